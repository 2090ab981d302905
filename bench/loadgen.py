"""A small closed-loop HTTP/1.1 load generator for the benchmarks: `concurrency` keep-alive connections, each
sending the next request as soon as the previous answer is read, for `seconds`. Plain asyncio streams, so the
load costs the machine (whose cores the servers share) as little CPU per request as Python allows."""

import asyncio
import statistics
import time
from dataclasses import dataclass, field
from urllib.parse import urlsplit


@dataclass
class LoadResult:
    requests: int
    errors: int
    seconds: float
    latencies_ms: list[float]
    cores: tuple = ()  # filled in by the caller: CPU cores each server used during the run
    web_cores: list = field(default_factory=list)  # filled in by the caller: each web worker's cores

    @property
    def rate(self) -> float:
        return self.requests / self.seconds

    @property
    def p50(self) -> float:
        return statistics.median(self.latencies_ms) if self.latencies_ms else float("nan")

    @property
    def p99(self) -> float:
        if len(self.latencies_ms) < 2:
            return float("nan")
        return statistics.quantiles(self.latencies_ms, n=100, method="inclusive")[98]


async def _read_response(reader: asyncio.StreamReader) -> int:
    head = await reader.readuntil(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    status = int(lines[0].split(" ", 2)[1])
    length = None
    chunked = False
    for line in lines[1:]:
        name, _, value = line.partition(":")
        name = name.strip().lower()
        if name == "content-length":
            length = int(value.strip())
        elif name == "transfer-encoding" and "chunked" in value.lower():
            chunked = True
    if chunked:
        while True:
            size = int((await reader.readline()).split(b";")[0], 16)
            await reader.readexactly(size + 2)
            if size == 0:
                break
    elif length is not None:
        await reader.readexactly(length)
    else:
        raise ConnectionError("response without a length: the server would close the connection")
    return status


async def _client(url: str, headers: dict, ends_at: float, result: LoadResult, warmup_until: float) -> None:
    parts = urlsplit(url)
    target = parts.path + (f"?{parts.query}" if parts.query else "")
    request = (
        f"GET {target} HTTP/1.1\r\nHost: {parts.hostname}:{parts.port}\r\n"
        + "".join(f"{name}: {value}\r\n" for name, value in headers.items())
        + "\r\n"
    ).encode()
    reader = writer = None
    while time.monotonic() < ends_at:
        try:
            if writer is None:
                reader, writer = await asyncio.open_connection(parts.hostname, parts.port)
            started = time.perf_counter()
            writer.write(request)
            status = await _read_response(reader)
            elapsed = (time.perf_counter() - started) * 1000
        except (ConnectionError, asyncio.IncompleteReadError, OSError):
            if writer is not None:
                writer.close()
            reader = writer = None
            if time.monotonic() >= warmup_until:
                result.errors += 1
            await asyncio.sleep(0.01)
            continue
        if time.monotonic() < warmup_until:
            continue
        if status >= 400:
            result.errors += 1
        else:
            result.requests += 1
            result.latencies_ms.append(elapsed)
    if writer is not None:
        writer.close()


async def _run(url: str, headers: dict, concurrency: int, seconds: float, warmup: float) -> LoadResult:
    result = LoadResult(requests=0, errors=0, seconds=seconds, latencies_ms=[])
    started = time.monotonic()
    warmup_until = started + warmup
    ends_at = warmup_until + seconds
    await asyncio.gather(*(_client(url, headers, ends_at, result, warmup_until) for _ in range(concurrency)))
    result.seconds = time.monotonic() - warmup_until
    return result


def load(url: str, *, headers: dict, concurrency: int, seconds: float, warmup: float = 1.0) -> LoadResult:
    """GET `url` from `concurrency` connections for `seconds` (after `warmup` seconds not counted)."""
    return asyncio.run(_run(url, headers, concurrency, seconds, warmup))
