"""The NLU model inside the server: loaded once, parsed off the event loop, swappable live.

Inference runs on one dedicated worker thread: the encoders are not guaranteed thread-safe, and
one thread keeps a 2-core machine responsive for the websockets. Texts that arrive while a parse
runs are parsed together as one batch (the sentence encoder is cheaper per text in batches), so
a burst of citizens does not queue up one parse at a time. A deploy swaps the pipeline reference
between two batches; a batch already running finishes on the old model.
"""
from __future__ import annotations

import asyncio
import logging
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

from bot import model_store
from bot.errors import HotlineError
from bot.pipeline import Pipeline

log = logging.getLogger(__name__)


class NLUInputError(HotlineError, ValueError):
    """This one text could not be parsed (the others in its batch were)."""

    code, status = "nlu_input", 422


class NLUService:
    def __init__(self, models_dir: Path) -> None:
        self.models_dir = models_dir
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="nlu")
        self._pipeline: Pipeline | None = None
        self.version: str | None = None
        self._pending: list[tuple[str, asyncio.Future[dict[str, Any]]]] = []
        self._draining = False
        self.max_batch = 32

    def load(self, directory: Path | None = None) -> str:
        """Load (or replace with) a model; blocking, call from a thread at start-up or deploy."""
        directory = directory or model_store.deployed(self.models_dir)
        pipeline = Pipeline.load(directory)
        pipeline.parse("暖機")  # warm every lazy component before the first citizen
        self._pipeline, self.version = pipeline, directory.name
        log.info("NLU model %s loaded", directory.name)
        return directory.name

    @property
    def pipeline(self) -> Pipeline | None:
        return self._pipeline

    async def run(self, fn: Any, *args: Any) -> Any:
        """Run ``fn`` on the NLU thread (the encoders are used from that thread only)."""
        return await asyncio.get_running_loop().run_in_executor(self._executor, fn, *args)

    @property
    def ready(self) -> bool:
        return self._pipeline is not None

    async def parse(self, text: str) -> dict[str, Any]:
        if self._pipeline is None:
            raise RuntimeError("NLU model not loaded")
        future: asyncio.Future[dict[str, Any]] = asyncio.get_running_loop().create_future()
        self._pending.append((text, future))
        if not self._draining:
            self._draining = True
            asyncio.create_task(self._drain())
        return await future

    async def _drain(self) -> None:
        """Parse everything pending, in batches, on the NLU thread."""
        loop = asyncio.get_running_loop()
        try:
            while self._pending:
                batch, self._pending = self._pending[: self.max_batch], self._pending[self.max_batch :]
                pipeline = self._pipeline
                assert pipeline is not None
                try:
                    results = await loop.run_in_executor(self._executor, pipeline.parse_batch, [t for t, _ in batch])
                except Exception:  # noqa: BLE001 one bad text must not fail the others: parse them one by one
                    log.warning("NLU batch of %d failed; parsing its texts one at a time", len(batch))
                    await self._parse_each(pipeline, batch)
                    continue
                for (_, future), result in zip(batch, results):
                    if not future.done():
                        future.set_result(result)
        finally:
            self._draining = False

    async def _parse_each(self, pipeline: Pipeline,
                          batch: list[tuple[str, asyncio.Future[dict[str, Any]]]]) -> None:
        """Per-item errors: each caller gets its own result or its own exception."""
        loop = asyncio.get_running_loop()
        for text, future in batch:
            try:
                result = await loop.run_in_executor(self._executor, pipeline.parse, text)
            except Exception as exc:  # noqa: BLE001 handed to its caller as NLUInputError
                if not future.done():
                    future.set_exception(NLUInputError(f"text could not be parsed: {type(exc).__name__}"))
                continue
            if not future.done():
                future.set_result(result)

    async def reload(self, directory: Path | None = None) -> str:
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(None, self.load, directory)

    async def watch_deployments(self, every: float = 2.0) -> None:
        """Hot deploy: when ``models/DEPLOYED`` names another version, load it and swap.

        Chats in progress are untouched: only the next parse uses the new model. A pointer file
        (rather than a signal) lets ``hotline deploy`` reach every server process on the host.
        """
        loop = asyncio.get_running_loop()
        while True:
            await asyncio.sleep(every)
            wanted = None
            try:  # off the loop: with the database model store this is a query, and the load may fetch
                wanted = await loop.run_in_executor(None, model_store.deployed_version, self.models_dir)
                if wanted and wanted != self.version:
                    await self.reload()  # the deployed version (fetched when this machine lacks it)
            except Exception:  # a broken model or a database hiccup must not take the server down
                log.exception("deploying model %s failed; still serving %s", wanted, self.version)

    def close(self) -> None:
        self._executor.shutdown(wait=False, cancel_futures=True)
