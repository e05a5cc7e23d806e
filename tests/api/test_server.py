"""Server life cycle: a free port, the discovery file, the loud warning off loopback."""

from __future__ import annotations

import asyncio
import logging
import stat

from docproc_gui.api.client import ApiClient, locate
from docproc_gui.api.discovery import discovery_path, read_endpoint
from docproc_gui.api.server import ApiServer, is_loopback
from docproc_gui.config import Settings
from docproc_gui.engine import create_background_processor
from tests.api.conftest import noop_pipeline


def test_port_zero_binds_a_free_port_and_writes_the_discovery_file(api):
    assert api.server.port > 0
    assert api.server.url == f"http://127.0.0.1:{api.server.port}"
    endpoint = read_endpoint(api.settings.data_dir)
    assert endpoint is not None and endpoint.alive
    assert endpoint.url == api.server.url
    assert stat.S_IMODE(discovery_path(api.settings.data_dir).stat().st_mode) == 0o600
    assert locate(api.settings.data_dir) == (api.server.url, api.token)


def test_client_finds_the_server_by_its_data_folder(api):
    async def scenario():
        async with ApiClient.for_data_dir(api.settings.data_dir) as client:
            return await client.get("queue/status")

    assert api.run(scenario())["paused"] is False


def test_stop_removes_the_discovery_file_and_frees_the_port(qloop, tmp_path):
    settings = Settings(data_dir=tmp_path / "data", api_port=0, durable_commits=False)
    processor = create_background_processor(settings, pipeline=noop_pipeline())
    server = ApiServer(processor, settings)
    try:
        qloop.run_until_complete(server.start())
        port = server.port
        assert discovery_path(settings.data_dir).exists()
        qloop.run_until_complete(server.stop())
        assert not discovery_path(settings.data_dir).exists()
        assert not server.running

        async def refused() -> bool:
            try:
                _, writer = await asyncio.open_connection("127.0.0.1", port)
            except OSError:
                return True
            writer.close()
            return False

        assert qloop.run_until_complete(refused())
    finally:
        qloop.run_until_complete(server.stop())
        processor.shutdown(wait=False)


def test_binding_beyond_loopback_warns_loudly(qloop, tmp_path, caplog):
    settings = Settings(data_dir=tmp_path / "data", api_port=0, api_host="0.0.0.0",
                        durable_commits=False)
    processor = create_background_processor(settings, pipeline=noop_pipeline())
    server = ApiServer(processor, settings, write_discovery=False)
    try:
        with caplog.at_level(logging.WARNING, logger="docproc_gui.api.server"):
            qloop.run_until_complete(server.start())
        assert any("reachable from other machines" in record.message
                   for record in caplog.records)
        assert server.url.startswith("http://127.0.0.1:")  # clients dial loopback
    finally:
        qloop.run_until_complete(server.stop())
        processor.shutdown(wait=False)
    assert is_loopback("127.0.0.1") and is_loopback("::1") and is_loopback("localhost")
    assert not is_loopback("0.0.0.0") and not is_loopback("192.168.1.2")
