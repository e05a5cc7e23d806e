"""Schemathesis against /openapi.json: no 5xx, every answer conforms to the document.

The server runs in this process on the qasync loop; schemathesis runs as a subprocess
(its CLI) while the loop serves it. Auth-failure lock-out is lifted here: the fuzzer sends
requests without the token on purpose and would otherwise lock itself out.
"""

from __future__ import annotations

import asyncio
import json
import shutil
import sys
from pathlib import Path

import pytest

from docproc_gui.api.auth import AuthFailureLimiter
from tests.api.conftest import make_api

CHECKS = [
    "not_a_server_error", "status_code_conformance", "content_type_conformance",
    "response_headers_conformance", "response_schema_conformance",
    "negative_data_rejection", "missing_required_header", "unsupported_method",
    "ignored_auth",
]


def schemathesis_cli() -> str | None:
    local = Path(sys.executable).with_name("st")
    return str(local) if local.exists() else shutil.which("st")


@pytest.mark.timeout(180)
def test_schemathesis_finds_no_server_error_and_no_schema_violation(qloop, tmp_path):
    cli = schemathesis_cli()
    if cli is None:
        pytest.skip("schemathesis is not installed (pip install schemathesis)")
    for api in make_api(qloop, tmp_path, pipeline=None, server_options={
            "auth_failures": AuthFailureLimiter(max_failures=10**9)}):
        api.document("sample.txt", "A small sample document about invoices.")
        schema = api.call("GET", "/openapi.json").body
        schema_file = tmp_path / "openapi.json"
        schema_file.write_text(json.dumps(schema))

        async def fuzz(url: str = api.url, token: str = api.token,
                       schema_path: Path = schema_file) -> tuple[int, str]:
            process = await asyncio.create_subprocess_exec(
                cli, "run", str(schema_path), "--url", url,
                "-H", f"Authorization: Bearer {token}",
                "--exclude-path", "/api/background/stream/progress",
                "--checks", ",".join(CHECKS), "--max-examples", "30", "--seed", "1",
                "--phases", "examples,coverage,fuzzing", "--no-color",
                "--generation-database", "none", "--workers", "1",
                cwd=tmp_path, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT,
            )
            output, _ = await process.communicate()
            return process.returncode or 0, output.decode(errors="replace")

        code, output = api.run(fuzz(), timeout=170)
        assert code == 0, output[-12000:]
