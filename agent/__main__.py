"""python -m agent: run invocations for one node.

  python -m agent --gateway http://127.0.0.1:8000 --node-id <uuid> \\
      --handler echo=mymodule:echo --command wc='python3 wc.py' --concurrency 4

The node key comes from --key or, better (a command line is visible to every local user), from
the environment variable AIO_AGENT_KEY. It is never printed or logged.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import socket
import sys

from .handlers import CommandHandler, PythonHandler
from .runner import Agent, Config


def pair(text: str) -> tuple[str, str]:
    name, sep, value = text.partition("=")
    if not sep or not name or not value:
        raise argparse.ArgumentTypeError(f"{text!r}: expected NAME=VALUE")
    return name, value


def parse(argv: list[str]) -> argparse.Namespace:
    p = argparse.ArgumentParser(prog="python -m agent", description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--gateway", default=os.environ.get("AIO_GATEWAY", "http://127.0.0.1:8000"),
                   help="the gateway's base URL (env AIO_GATEWAY; default %(default)s)")
    p.add_argument("--key", default=os.environ.get("AIO_AGENT_KEY"),
                   help="the node's API key (env AIO_AGENT_KEY, preferred)")
    p.add_argument("--node-id", default=os.environ.get("AIO_NODE_ID"),
                   help="the node this agent runs as: the node of the key (env AIO_NODE_ID)")
    p.add_argument("--name", default=os.environ.get("AIO_AGENT_NAME") or socket.gethostname() or "agent",
                   help="this agent process's name (env AIO_AGENT_NAME; default: the host name). Agents of one node "
                        "need names of their own; an agent restarted under its name ends its predecessor's work at once")
    p.add_argument("--handler", action="append", type=pair, default=[], metavar="TOOL=module:callable",
                   help="a Python callable(input) -> result for the tool named TOOL (repeatable)")
    p.add_argument("--command", action="append", type=pair, default=[], metavar="TOOL='shell command'",
                   help="a command that reads the input JSON on stdin and writes the result JSON on stdout (repeatable)")
    p.add_argument("--permanent-exit-codes", default="64,65",
                   help="exit statuses of a command that fail without a retry (default %(default)s)")
    p.add_argument("--concurrency", type=int, default=1, help="invocations run at once (default %(default)s)")
    p.add_argument("--heartbeat-interval", type=float, default=10.0,
                   help="seconds between heartbeats: at most a third of the shortest tool lease (default %(default)s)")
    p.add_argument("--wait", type=int, default=10, help="seconds one long-poll claim may wait, 1..60 (default %(default)s)")
    p.add_argument("--grace", type=float, default=30.0,
                   help="on SIGTERM, seconds running work may take to finish before it is released (default %(default)s)")
    p.add_argument("--log-level", default="INFO")
    args = p.parse_args(argv)
    if not args.key:
        p.error("no key: set AIO_AGENT_KEY (or --key)")
    if not args.node_id:
        p.error("no node id: set --node-id (or AIO_NODE_ID) to the node of the key")
    if not args.handler and not args.command:
        p.error("no handler: give at least one --handler or --command")
    if args.concurrency < 1 or not 1 <= args.wait <= 60 or args.heartbeat_interval <= 0 or not 1 <= len(args.name) <= 200:
        p.error("--concurrency must be >= 1, --wait 1..60, --heartbeat-interval > 0, --name 1..200 characters")
    return args


def main(argv: list[str]) -> int:
    args = parse(argv)
    logging.basicConfig(level=args.log_level.upper(), stream=sys.stderr,
                        format="%(asctime)s agent %(levelname)s %(message)s")
    logging.getLogger("httpx").setLevel(logging.WARNING)  # one line per request is noise
    permanent = frozenset(int(c) for c in args.permanent_exit_codes.split(",") if c.strip())
    handlers: dict = {}
    for name, spec in args.handler:
        handlers[name] = PythonHandler(spec)
    for name, command in args.command:
        handlers[name] = CommandHandler(command, permanent)
    config = Config(gateway=args.gateway, key=args.key, node_id=args.node_id, name=args.name, handlers=handlers,
                    concurrency=args.concurrency, heartbeat_s=args.heartbeat_interval, wait_s=args.wait,
                    grace_s=args.grace)
    return asyncio.run(Agent(config).run())


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
