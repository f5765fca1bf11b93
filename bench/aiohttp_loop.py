#!/usr/bin/python3
"""The pattern poller replaces: one aiohttp ClientSession, N sequential fetches of one URL.

    aiohttp_loop.py URL N [--cacert FILE] [--sleep-after SECONDS]

--sleep-after sleeps after every fetch, as the naive polling loop does (`fetch; sleep(interval)`):
bench/run uses it to show how such a loop drifts from the schedule.
"""

import argparse
import asyncio
import ssl
import sys

import aiohttp


async def fetch_all(url, count, ssl_context, sleep_after):
    async with aiohttp.ClientSession() as session:
        for _ in range(count):
            # The original pattern, as written in the issue: get, then read the whole body.
            resp = await session.get(url, ssl=ssl_context)
            await resp.read()
            if resp.status != 200:
                sys.exit(f"{url}: HTTP {resp.status}")
            if sleep_after:
                await asyncio.sleep(sleep_after)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("url")
    parser.add_argument("count", type=int)
    parser.add_argument("--cacert")
    parser.add_argument("--sleep-after", type=float, default=0.0)
    args = parser.parse_args()
    # For https, verify against the bench CA, as poller and curl do; for http aiohttp ignores it.
    ssl_context = ssl.create_default_context(cafile=args.cacert) if args.cacert else None
    asyncio.run(fetch_all(args.url, args.count, ssl_context, args.sleep_after))


if __name__ == "__main__":
    main()
