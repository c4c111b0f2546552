"""Ten coaches at once (issue #14): concurrent browser sessions against one `streamlit run`.

One headless chromium (Debian's, never `playwright install`) with one browser context per coach,
all driven by asyncio through Playwright's async API (its sync API is not thread-safe). Browsing
coaches go round the session, athlete, load, planner and squad pages, each from another start:
their first page and every session (/session?activity=ID) by URL, the others through the sidebar
links. In each round an importing coach opens /upload?athlete=ID (a new Streamlit session), uploads
its file, reads its row of "This upload", and opens the athlete's load page from the sidebar. A
page's time runs from the navigation (goto or click) until its script has finished: its share
link names the page, Streamlit's running indicator `[data-testid="stStatusWidget"]` is detached
and the page's h1 is visible. One unmeasured squad page is loaded first, so that the server's
first run (its module imports) is not charged to the coaches.

`run_sessions` only drives the browsers. The database is checked afterwards, through the engine,
by `check_imports` against `expected_imports`: the same uploads replayed one at a time through
`import_file` on a copy of the database taken before the app opened it (the app's own rules, so
no rule is restated here).
"""
from __future__ import annotations

import asyncio
import re
import shutil
import tempfile
import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from playwright.async_api import Error as PlaywrightError
from playwright.async_api import Page, async_playwright

from bench.app_server import CHROMIUM, CHROMIUM_ARGS
from engine.store import queries
from engine.store.db import Store
from engine.store.imports import import_file

STATUS = '[data-testid="stStatusWidget"]'
EXCEPTION = '[data-testid="stException"]'
# the pages browsing coaches open, in this order from a different start each: stem -> sidebar link title
PAGES = {"session": "Session", "athlete": "Athlete", "load": "Training load", "planner": "What-if planner",
         "squad": "Squad"}


class LoadTestError(ValueError):
    """A load test that cannot run as asked (a bad plan)."""


@dataclass(frozen=True)
class Upload:
    """One importing coach's file and the athlete (id) it is uploaded for, in every round."""
    path: Path
    athlete_id: int


def sample_uploads(samples: Path) -> list[Upload]:
    """Five importing coaches' files from the shared samples (athletes 1, 3 and 4), whose outcome
    does not depend on which coach is first: the same GPX twice for athlete 1 at once (one imported,
    one duplicate), test.tcx and no_hr.tcx (the same run without HR) for athlete 3 (one of the two
    imported), and a Strong CSV (129 workouts) for athlete 4. The same strength file twice at once
    is left out: see check_imports."""
    return [Upload(samples / "gpx" / "strava_export.gpx", 1), Upload(samples / "gpx" / "strava_export.gpx", 1),
            Upload(samples / "tcx" / "test.tcx", 3), Upload(samples / "tcx" / "no_hr.tcx", 3),
            Upload(samples / "strength_csv" / "strong.csv", 4)]


def _settled_pattern(stem: str) -> re.Pattern:
    """The share link of page `stem` (the squad's is the root), which each page draws last."""
    path = "" if stem == "squad" else stem
    return re.compile(rf"://[^/]+/{path}(\?|$)")


async def _settle(page: Page, stem: str, timeout_ms: float) -> None:
    """Wait until page `stem` has drawn to its end (share link), the running indicator is gone and
    the h1 is visible."""
    pattern = _settled_pattern(stem)
    code = page.locator('[data-testid="stCode"]').filter(has_text=pattern)
    await code.first.wait_for(state="attached", timeout=timeout_ms)
    await page.wait_for_selector(STATUS, state="detached", timeout=timeout_ms)
    await page.locator("h1").first.wait_for(state="visible", timeout=timeout_ms)


class _Coach:
    """One browser context (one coach) and what it measured."""

    def __init__(self, index: int, page: Page, url: str, timeout_ms: float, record: dict,
                 stop_at: float = float("inf")):
        self.index, self.page, self.url, self.timeout_ms, self.record = index, page, url, timeout_ms, record
        self.stop_at = stop_at         # time.perf_counter() after which a browsing coach opens no page

    async def check_errors(self, stem: str, round_no: int) -> None:
        """Record each exception (stException) the page shows."""
        for text in await self.page.locator(EXCEPTION).all_text_contents():
            self.record["errors"].append({"session": self.index, "round": round_no, "page": stem,
                                          "error": " ".join(text.split())[:300]})

    async def visit(self, stem: str, round_no: int, goto: str | None = None, link: str | None = None) -> None:
        """Open page `stem` by URL (`goto`, a path) or by its sidebar link title (`link`); times it."""
        start = time.perf_counter()
        if goto is not None:
            await self.page.goto(self.url + goto, timeout=self.timeout_ms, wait_until="commit")
        else:
            await self.page.locator('[data-testid="stSidebarNav"]').get_by_role(
                "link", name=link, exact=True).first.click(timeout=self.timeout_ms)
        await _settle(self.page, stem, self.timeout_ms)
        seconds = time.perf_counter() - start
        self.record["pages"].append({"session": self.index, "round": round_no, "page": stem,
                                     "how": "url" if goto is not None else "sidebar", "seconds": seconds})
        await self.check_errors(stem, round_no)

    async def browse(self, round_no: int, pages: list[str], athlete: int, activity: int) -> bool:
        """Open `pages` (stems of PAGES) in order: the session by its URL (/session?activity=ID, a
        page load), the first page of the first round by its URL (/STEM?athlete=ID), every other one
        through its sidebar link (no page load; the athlete is the one last shown). None after stop_at;
        returns whether every page was opened."""
        for n, stem in enumerate(pages):
            if time.perf_counter() > self.stop_at:
                return False
            if stem == "session":
                await self.visit(stem, round_no, goto=f"/session?activity={activity}")
            elif round_no == 1 and n == 0:
                await self.visit(stem, round_no, goto=f"/{'' if stem == 'squad' else stem}?athlete={athlete}")
            else:
                await self.visit(stem, round_no, link=PAGES[stem])
        return True

    async def upload(self, round_no: int, upload: Upload) -> None:
        """Upload one file for its athlete in a fresh Streamlit session (a page load), then read the
        file's row of "This upload"; then the athlete's load page."""
        await self.visit("upload", round_no, goto=f"/upload?athlete={upload.athlete_id}")
        name = upload.path.name
        await self.page.locator('input[type="file"]').set_input_files(str(upload.path), timeout=self.timeout_ms)
        await self.page.locator('[data-testid="stFileUploader"]').get_by_text(name).first.wait_for(
            timeout=self.timeout_ms)
        picked = await self.page.locator('[data-testid="stSelectbox"] input').first.input_value(timeout=self.timeout_ms)
        start = time.perf_counter()
        await self.page.get_by_role("button", name="Import").click(timeout=self.timeout_ms)
        heading = self.page.get_by_role("heading", name="This upload")
        await heading.wait_for(timeout=self.timeout_ms)
        await self.page.wait_for_selector(STATUS, state="detached", timeout=self.timeout_ms)
        row = self.page.locator('[data-testid="stDataFrame"]').first.locator("tbody tr").filter(has_text=name)
        await row.first.wait_for(state="attached", timeout=self.timeout_ms)
        cells = await row.first.locator("td").all_text_contents()
        seconds = time.perf_counter() - start
        self.record["imports"].append({"session": self.index, "round": round_no, "file": name,
                                       "athlete_id": upload.athlete_id, "picked": picked, "status": cells[1],
                                       "message": cells[4], "seconds": seconds})
        await self.check_errors("upload", round_no)
        await self.visit("load", round_no, link="Training load")


def _pages(browser: int, round_no: int, per_round: int) -> list[str]:
    """The stems browsing coach number `browser` opens in round `round_no`: PAGES as a cycle, from
    the coach's own start, continued where the previous round stopped."""
    stems = list(PAGES)
    first = browser + (round_no - 1) * per_round
    return [stems[(first + n) % len(stems)] for n in range(per_round)]


async def _drive(url: str, n_sessions: int, rounds: int, files: list[Upload], deadline_s: float, timeout_ms: float,
                 per_round: int, athletes: list[int], activities: list[int]) -> dict:
    record = {"pages": [], "imports": [], "errors": [], "failures": [], "rounds_done": Counter()}
    async with async_playwright() as p:
        browser = await p.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        try:
            warm = await browser.new_context()
            warm_start = time.perf_counter()
            warm_record = {"pages": [], "errors": record["errors"]}      # its errors count, its time is apart
            await _Coach(-1, await warm.new_page(), url, timeout_ms, warm_record).visit("squad", 0, goto="/")
            record["warmup_s"] = time.perf_counter() - warm_start
            await warm.close()
            contexts = [await browser.new_context(viewport={"width": 1400, "height": 900})
                        for _ in range(n_sessions)]
            start = time.perf_counter()
            coaches = [_Coach(i, await c.new_page(), url, timeout_ms, record, start + deadline_s)
                       for i, c in enumerate(contexts)]

            async def run(coach: _Coach) -> None:
                i, k = coach.index, coach.index - len(files)        # k: the how-many-th browsing coach
                for round_no in range(1, rounds + 1):
                    if time.perf_counter() > coach.stop_at:
                        break
                    try:
                        if k < 0:
                            await coach.upload(round_no, files[i])
                        elif not await coach.browse(round_no, _pages(k, round_no, per_round),
                                                    athletes[k % len(athletes)], activities[k % len(activities)]):
                            break
                    except PlaywrightError as err:       # a timeout or a closed page: counted, the others go on
                        record["failures"].append({"session": i, "round": round_no,
                                                   "error": str(err).splitlines()[0][:300]})
                        try:                              # an exception shown is why the page never finished
                            await coach.check_errors("failed", round_no)
                        except PlaywrightError:
                            pass
                        break
                    record["rounds_done"][i] += 1

            await asyncio.gather(*(run(c) for c in coaches))
            record["wall_s"] = time.perf_counter() - start
        finally:
            await browser.close()
    return record


def run_sessions(url: str, n_sessions: int, rounds: int, files: list[Upload], *, pages_per_round: int = 5,
                 deadline_s: float = 120.0, timeout_ms: float = 60_000, athletes: list[int] | None = None,
                 activities: list[int] | None = None) -> dict:
    """Drive `n_sessions` concurrent coaches (one chromium, a browser context each) against the app
    at `url` for `rounds` rounds each. Session i < len(files) uploads files[i] in every round; the
    k-th of the others opens `pages_per_round` pages per round (of PAGES, from its own start), for
    athlete athletes[k % len] and session activities[k % len] (ids, default [1]). After `deadline_s`
    seconds no importing coach starts a round and no browsing coach opens a page; every wait gives
    up after `timeout_ms` ms (a failure: that coach stops).

    Returns pages (one row per page view: session, round, page, how, seconds), page_s (seconds per
    page stem), p50_s, p95_s, max_s, errors (stException texts on a page), failures (sessions
    stopped by a timeout), error_count (both), imports (one row per upload: file, athlete_id,
    picked (the athlete name the picker showed at the click), status and message from "This
    upload", seconds from the click), rounds_done, warmup_s (one
    unmeasured squad page first) and wall_s (seconds of the concurrent part)."""
    if not 0 <= len(files) <= n_sessions or rounds < 1 or pages_per_round < 1:
        raise LoadTestError(f"need 0-{n_sessions} importing sessions, rounds >= 1 and pages_per_round >= 1, "
                            f"got {len(files)}, {rounds} and {pages_per_round}")
    record = asyncio.run(_drive(url.rstrip("/"), n_sessions, rounds, list(files), deadline_s, timeout_ms,
                                pages_per_round, athletes or [1], activities or [1]))
    times = [p["seconds"] for p in record["pages"]]
    page_s: dict[str, list[float]] = {}
    for p in record["pages"]:
        page_s.setdefault(p["page"], []).append(p["seconds"])
    return {
        **record,
        "rounds_done": dict(record["rounds_done"]),
        "page_s": page_s,
        "p50_s": float(np.percentile(times, 50)) if times else float("nan"),
        "p95_s": float(np.percentile(times, 95)) if times else float("nan"),
        "max_s": max(times, default=float("nan")),
        "error_count": len(record["errors"]) + len(record["failures"]),
    }


def _counts(store: Store) -> dict:
    """Rows of the tables an import writes, and the last import id."""
    with store.cursor() as cur:
        row = cur.execute("SELECT (SELECT count(*) FROM activities), (SELECT count(*) FROM strength_sets), "
                          "(SELECT count(*) FROM samples), (SELECT coalesce(max(import_id), 0) FROM imports)"
                          ).fetchone()
    return dict(zip(["activities", "strength_sets", "samples", "last_import_id"], row))


def expected_imports(db_before: Path, uploads: list[Upload]) -> dict:
    """What the app's rules give for `uploads` made one after the other: they are replayed through
    `import_file` on a copy of `db_before` (a database file no process holds open). Returns the row
    counts before, the statuses (a Counter) and the growth of each table."""
    with tempfile.TemporaryDirectory() as tmp:
        copy = Path(tmp) / "replay.duckdb"
        shutil.copy(db_before, copy)
        store = Store(copy)
        try:
            before = _counts(store)
            names = queries.athletes(store).set_index("athlete_id")["name"]
            statuses = Counter(import_file(store, u.path.name, u.path.read_bytes(), athlete=names[u.athlete_id]).status
                               for u in uploads)
            after = _counts(store)
        finally:
            store.close()
    return {"before": before, "statuses": statuses, "growth": {k: after[k] - before[k] for k in after}}


def check_imports(db: Path, db_before: Path, result: dict, files: list[Upload]) -> list[str]:
    """Problems (empty when none) in the database `db` after `run_sessions(..., files)`, checked
    through the engine against `db_before`, a copy of it taken before the app opened it:
    - no upload was rejected, on the page or in the imports log;
    - the athlete picker showed each upload's athlete when Import was clicked;
    - each upload the page showed as imported is in the imports log exactly once (same file name,
      same athlete), and the log holds no other new import;
    - no bytes are in the log as imported twice (the same file imported again);
    - the statuses shown and the growth of activities and strength sets are those of the same
      uploads replayed one at a time (`expected_imports`, round by round, session by session);
    - the new samples and strength sets are the rows the new imports say they kept.
    The replay's order is not the run's: a plan whose outcome depends on which coach is first (the
    same strength file twice at once, the same file for two athletes at once) cannot be checked
    so, and meets a race: `import_file` looks for the file's sha256 before taking the write lock,
    so two such uploads at once are both imported."""
    done = sorted(result["imports"], key=lambda u: (u["round"], u["session"]))
    expected = expected_imports(db_before, [files[u["session"]] for u in done])
    last_id = expected["before"]["last_import_id"]
    store = Store(db)
    try:
        log = queries.imports(store, limit=1_000_000)
        names = queries.athletes(store).set_index("athlete_id")["name"]
        after = _counts(store)
        with store.cursor() as cur:
            linked = {i for (i,) in cur.execute("SELECT DISTINCT import_id FROM activities WHERE import_id > ?",
                                                [last_id]).fetchall()}
    finally:
        store.close()
    problems = [f"{u['file']} for athlete {u['athlete_id']}: {u['status']} ({u['message']})"
                for u in result["imports"] if u["status"] not in ("imported", "duplicate")]
    problems += [f"{u['file']} for athlete {u['athlete_id']} ({names.get(u['athlete_id'])}): the picker showed "
                 f"{u['picked']!r} at the click"
                 for u in result["imports"] if u["picked"] != names.get(u["athlete_id"])]
    new = log[log["import_id"] > last_id]
    problems += [f"{r.file_name}: {r.status} in the imports log ({r.message})"
                 for r in new[new["status"] != "imported"].itertuples()]
    new = new[new["status"] == "imported"]
    shown = Counter((u["file"], u["athlete_id"]) for u in result["imports"] if u["status"] == "imported")
    logged = Counter(zip(new["file_name"], new["athlete_id"].astype("Int64")))
    problems += [f"{name} for athlete {athlete}: shown imported {shown[name, athlete]} times, in the imports log "
                 f"{logged[name, athlete]} times" for name, athlete in sorted(shown.keys() | logged.keys(), key=str)
                 if shown[name, athlete] != logged[name, athlete]]
    twice = log[log["status"] == "imported"].groupby("sha256")["file_name"].agg(list)
    problems += [f"the same bytes imported {len(names)} times: {names}" for names in twice[twice.str.len() > 1]]
    if linked - set(new["import_id"]):
        problems.append(f"activities of imports {sorted(linked - set(new['import_id']))}, not logged as imported")
    statuses = Counter(u["status"] for u in result["imports"])
    if statuses != expected["statuses"]:
        problems.append(f"statuses {dict(statuses)}, one at a time {dict(expected['statuses'])}")
    grew = {k: after[k] - expected["before"][k] for k in after}
    for table in ("activities", "strength_sets"):
        if grew[table] != expected["growth"][table]:
            problems.append(f"{table} grew by {grew[table]:,}, one at a time by {expected['growth'][table]:,}")
    if grew["samples"] + grew["strength_sets"] != new["rows_kept"].sum():
        problems.append(f"{grew['samples']:,} samples and {grew['strength_sets']:,} strength sets were added, "
                        f"the new imports kept {new['rows_kept'].sum():,} rows")
    return problems
