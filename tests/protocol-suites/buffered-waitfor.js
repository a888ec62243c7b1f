  // Inserted by run.sh at the top of waitFor() (socketio/socket.io-protocol#32). ws dispatches
  // every frame of one TCP read synchronously, before the awaiting test can add its next
  // once-listener, so a frame sharing a read with the awaited one was lost. Frames dispatched
  // right after a waitFor() resolved are kept for the next call; any other frame nobody waits
  // for is still dropped, as before.
  if (eventType === "message") {
    let state = socket.bufferedWaitFor;
    if (!state) {
      state = socket.bufferedWaitFor = { waiters: [], queue: [], burst: false };
      socket.addEventListener("message", (event) => {
        const waiter = state.waiters.shift();
        if (waiter) {
          waiter(event);
          if (!state.burst) {
            state.burst = true;
            setTimeout(() => {
              state.burst = false;
              state.queue.length = 0;
            }, 0);
          }
        } else if (state.burst) {
          state.queue.push(event);
        }
      });
    }
    if (state.queue.length > 0) {
      return Promise.resolve(state.queue.shift());
    }
    return new Promise((resolve) => state.waiters.push(resolve));
  }
