"""The local REST API and progress stream (aiohttp on the app's qasync loop).

:class:`ApiServer` serves a :class:`~docproc_gui.engine.BackgroundProcessor`;
:mod:`docproc_gui.api.client` is the client the ``docproc`` command line uses.
"""

from docproc_gui.api.auth import load_or_create_token, read_token, token_path
from docproc_gui.api.server import ApiServer

__all__ = ["ApiServer", "load_or_create_token", "read_token", "token_path"]
