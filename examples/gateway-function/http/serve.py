"""Serves an unchanged Python Lambda handler as a Toolport `function` target of kind http (standard library only).

Toolport POSTs what AgentCore Gateway hands a Lambda, as JSON:
  {"event": {...tool arguments...},
   "context": {"awsRequestId": "...", "functionName": "...", "deadlineMs": 1767225600000,
               "clientContext": {"custom": {"bedrockAgentCoreToolName": "target___tool", ...}}}}
This adapter builds the Python Lambda context from it (context.client_context.custom, aws_request_id,
function_name, get_remaining_time_in_millis()), calls the handler, and answers with its return value as JSON.
A raised exception is answered as Lambda reports it: {"errorMessage": ..., "errorType": ...}.

Usage: python3 serve.py [--handler lambda_function.lambda_handler] [--host 127.0.0.1] [--port 9000]
(--port 0 picks a free port; the bound address is printed to stderr.)
"""
import argparse
import importlib
import json
import os
import sys
import time
import traceback
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import SimpleNamespace


def lambda_context(ctx):
    deadline_ms = ctx.get("deadlineMs", time.time() * 1000 + 60_000)
    return SimpleNamespace(
        aws_request_id=ctx.get("awsRequestId", ""),
        function_name=ctx.get("functionName", ""),
        function_version="$LATEST",
        client_context=SimpleNamespace(custom=ctx.get("clientContext", {}).get("custom", {}), env=None, client=None),
        get_remaining_time_in_millis=lambda: max(0, int(deadline_ms - time.time() * 1000)),
    )


def make_request_handler(handler):
    class Invoke(BaseHTTPRequestHandler):
        def do_POST(self):
            try:
                body = json.loads(self.rfile.read(int(self.headers.get("content-length", 0))))
                invocation = (body["event"], lambda_context(body["context"]))
            except (ValueError, KeyError, TypeError) as e:
                self.answer(400, {"errorMessage": f"expected a JSON body {{event, context}}: {e}", "errorType": "BadRequest"})
                return
            try:
                self.answer(200, handler(*invocation))
            except Exception as e:  # the handler's own failure, reported the way Lambda reports it
                traceback.print_exc()
                self.answer(200, {"errorMessage": str(e), "errorType": type(e).__name__})

        def answer(self, status, value):
            data = json.dumps(value).encode("utf-8")
            self.send_response(status)
            self.send_header("content-type", "application/json")
            self.send_header("content-length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, format, *args):
            sys.stderr.write("%s %s\n" % (self.address_string(), format % args))

    return Invoke


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--handler", default="lambda_function.lambda_handler", help="module.function, as in Lambda")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=int(os.environ.get("PORT", "9000")))
    args = parser.parse_args()
    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
    module_name, _, function_name = args.handler.rpartition(".")
    handler = getattr(importlib.import_module(module_name), function_name)
    server = ThreadingHTTPServer((args.host, args.port), make_request_handler(handler))
    host, port = server.server_address[:2]
    print(f"serving {args.handler} on http://{host}:{port}/", file=sys.stderr, flush=True)
    server.serve_forever()


if __name__ == "__main__":
    main()
