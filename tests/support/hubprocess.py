"""A depot-hub process for the Python tests: started on a free port of 127.0.0.1 with a
throwaway data dir and a known admin password, stopped with SIGTERM (SIGKILL after 5 s)."""
import queue
import re
import shutil
import signal
import subprocess
import tempfile
import threading


class HubProcess:
    """A running depot-hub; `url` is its base URL, `stderr` its last 200 lines of errors."""

    def __init__(self, executable, password, data_dir_prefix="depot-hub-", extra_args=(),
                 data_dir=None):
        self.data_dir = data_dir or tempfile.mkdtemp(prefix=data_dir_prefix)
        self.proc = subprocess.Popen(
            [executable, "--host", "127.0.0.1", "--port", "0", "--data-dir", self.data_dir,
             "--admin-password", password, "--osmand-port", "0", *extra_args],
            stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        self.stderr = []
        threading.Thread(target=self._drain, args=(self.proc.stderr, self.stderr), daemon=True).start()
        ports = queue.Queue()

        def read_stdout():
            for line in self.proc.stdout:
                m = re.match(r"^listening on http://(\S+):(\d+)\s*$", line)
                if m:
                    ports.put(int(m.group(2)))
            ports.put(None)

        threading.Thread(target=read_stdout, daemon=True).start()
        try:
            port = ports.get(timeout=15)
        except queue.Empty:
            port = None
        if port is None:
            self.stop()
            raise RuntimeError("depot-hub did not print its port: " + " | ".join(self.stderr[-5:]))
        self.url = "http://127.0.0.1:%d" % port

    @staticmethod
    def _drain(stream, sink):
        for line in stream:
            sink.append(line.rstrip("\n"))
            del sink[:-200]

    def kill(self):
        """SIGKILL, keeping the data dir for a hub started on it again."""
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(timeout=5)

    def stop(self):
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=5)
        shutil.rmtree(self.data_dir, ignore_errors=True)
