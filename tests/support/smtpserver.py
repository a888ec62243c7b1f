#!/usr/bin/python3
"""A local SMTP server for Depot's tests (aiosmtpd, Debian's python3-aiosmtpd).

Listens on 127.0.0.1 on a free port and prints "PORT <n>" once it does. Each message it accepts
becomes <dir>/<n>.eml (the bytes after DATA) and <dir>/<n>.json (the envelope: sender,
recipients, whether TLS was on, the AUTH mechanism and login used). Runs until killed.

    smtpserver.py DIR [--tls CERT KEY [--implicit-tls]] [--user NAME --password SECRET]
                      [--login-only] [--refuse-rcpt CODE] [--port N]

--tls offers STARTTLS; with --implicit-tls the server speaks TLS from the first byte (smtps).
"""
import argparse
import asyncio
import json
import os
import ssl
import sys

from aiosmtpd.smtp import SMTP, AuthResult, LoginPassword


class Handler:
    def __init__(self, folder, refuse_rcpt, implicit_tls):
        self.folder = folder
        self.implicit_tls = implicit_tls
        self.refuse_rcpt = refuse_rcpt
        self.count = 0

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if self.refuse_rcpt:
            text = "no such mailbox" if self.refuse_rcpt >= 500 else "try again later"
            return "%d %s" % (self.refuse_rcpt, text)
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        self.count += 1
        base = os.path.join(self.folder, str(self.count))
        with open(base + ".eml.part", "wb") as f:
            f.write(envelope.original_content or envelope.content)
        with open(base + ".json", "w") as f:
            json.dump({"mailFrom": envelope.mail_from,
                       "rcptTos": envelope.rcpt_tos,
                       "tls": self.implicit_tls or session.ssl is not None,
                       "auth": getattr(session, "depot_auth", None)}, f)
        # The .eml appears last and whole: a test waiting for it reads a finished message.
        os.rename(base + ".eml.part", base + ".eml")
        return "250 Message accepted for delivery"


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("folder")
    parser.add_argument("--tls", nargs=2, metavar=("CERT", "KEY"))
    parser.add_argument("--implicit-tls", action="store_true")
    parser.add_argument("--user")
    parser.add_argument("--password")
    parser.add_argument("--login-only", action="store_true", help="offer AUTH LOGIN, not PLAIN")
    parser.add_argument("--refuse-rcpt", type=int, default=0)
    parser.add_argument("--port", type=int, default=0, help="0: a free one")
    args = parser.parse_args()

    context = None
    if args.tls:
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        context.load_cert_chain(args.tls[0], args.tls[1])

    def authenticate(server, session, envelope, mechanism, auth_data):
        ok = (isinstance(auth_data, LoginPassword)
              and auth_data.login.decode() == args.user
              and auth_data.password.decode() == args.password)
        if ok:
            session.depot_auth = {"mechanism": mechanism, "login": args.user}
        return AuthResult(success=ok)

    handler = Handler(args.folder, args.refuse_rcpt, args.implicit_tls)
    loop = asyncio.new_event_loop()
    asyncio.set_event_loop(loop)

    implicit = context if args.implicit_tls else None

    def factory():
        return SMTP(handler, hostname="smtp.test", tls_context=None if implicit else context,
                    authenticator=authenticate if args.user else None,
                    auth_required=bool(args.user),
                    auth_exclude_mechanism=["PLAIN"] if args.login_only else None,
                    # aiosmtpd does not see TLS it did not start itself: smtps is TLS throughout.
                    auth_require_tls=not implicit, loop=loop)

    server = loop.run_until_complete(loop.create_server(factory, "127.0.0.1", args.port, ssl=implicit))
    print("PORT %d" % server.sockets[0].getsockname()[1], flush=True)
    loop.run_forever()


if __name__ == "__main__":
    sys.exit(main())
