"""Runs under the Cloud SDK's own Python: feed planned gcloud argv lists through gcloud's real CLI.

Reads a JSON list of argv lists on stdin; prints one JSON object per command on stdout. No
credentials exist in the config directory the caller provides, and every request goes to a dead
proxy, so a command that gets past the argument parser stops at "no active account": that counts
as parsed. A usage error (unknown flag, bad value, missing argument) is a failure. Standalone: it
must not import anything from the repository.
"""

import json
import os
import sys

SDK = os.environ["CLOUDSDK_ROOT_DIR"]
sys.path[:0] = [os.path.join(SDK, "lib"), os.path.join(SDK, "lib", "third_party")]

from googlecloudsdk import gcloud_main  # noqa: E402
from googlecloudsdk.core.credentials import exceptions as credential_errors  # noqa: E402

PARSED = (credential_errors.NoActiveAccountException,)


def _raise(exc, *args, **kwargs):
    raise exc


def main():
    commands = json.load(sys.stdin)
    cli = gcloud_main.CreateCLI([])
    cli._HandleAllErrors = _raise  # see the exception itself, not gcloud's exit
    for index, argv in enumerate(commands):
        sys.stderr.write(f"\n### {index}\n")
        sys.stderr.flush()
        outcome = {"index": index, "parsed": False, "error": None}
        try:
            cli.Execute(list(argv[1:]), call_arg_complete=False)
            outcome["parsed"] = True  # ran without needing credentials (e.g. nothing to call)
        except PARSED:
            outcome["parsed"] = True
        except SystemExit as exc:
            outcome["error"] = f"usage error (exit {exc.code})"
        except Exception as exc:  # noqa: BLE001 - anything else is a failure to report
            outcome["error"] = f"{type(exc).__name__}: {exc}"
        sys.stderr.flush()
        print(json.dumps(outcome), flush=True)


if __name__ == "__main__":
    main()
