"""Screenshots of five pages of the portal, to compare a design before and after a change.

    python bench/screenshots.py OUT_DIR                      # its own instance with the demo data
    python bench/screenshots.py OUT_DIR --base-url http://127.0.0.1:8000 --data-dir var

Saves the visible part of the window (not the whole page) at 1280×900 and at 390×844 (a phone) of
five pages: the home page, the Velenje strategy (found by its link on the home page), the project
list, an open call and the application form of that call for a signed-in applicant, as
``OUT_DIR/{home,strategy,projects,call,apply}-{1280,390}.png``. A PNG over 250 KB is reduced to a
256-colour palette when Pillow is installed.

Without ``--base-url`` it makes a database in a temporary folder (``REGIJA_DATA_DIR``), loads the
demo data as ``regija up`` does, and serves it on a free port of 127.0.0.1 until the screenshots are
taken. With ``--base-url`` it uses a running instance; ``--data-dir`` is that instance's
``REGIJA_DATA_DIR`` (SQLite), where the open call and the applicant are added.

The demo data has no open call (its calls are 2016–2021), so the script adds one the way staff and an
applicant would (``regija.calls.services``): an administrator saves a draft call of LAS Zasavje
(opened yesterday, closing in 60 days) with its fund, criteria and committee and publishes it; an
editor of a new organisation, Društvo Sonce, starts an application and saves a filled-in draft. Run
again on the same data folder, it reuses them.

Needs Debian's Chromium (/usr/bin/chromium, or REGIJA_CHROMIUM) and Playwright, as tests/browser does.
"""

from __future__ import annotations

import argparse
import datetime as dt
import io
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "src"))

from tests.browser.conftest import CHROMIUM, CHROMIUM_FLAGS  # noqa: E402

WIDTHS = {1280: 900, 390: 844}
MAX_BYTES = 250 * 1024
PASSWORD = "demo-Regija-2026"  # noqa: S105 – the demo users of a throw-away database
ADMIN, APPLICANT = "demo-admin", "demo-prijavitelj"
CALL_SLUG = "6-javni-poziv-partnerstva-las-zasavje"


def _env(data_dir: Path) -> dict[str, str]:
    return {
        **os.environ,
        "REGIJA_DATA_DIR": str(data_dir),
        "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT / "src"), os.environ.get("PYTHONPATH")])),
        "DJANGO_SETTINGS_MODULE": "regija.settings",
    }


def _regija(*args: str) -> list[str]:
    return [sys.executable, "-m", "regija.cli", *args]


def prepare(data_dir: Path) -> tuple[str, int]:
    """The open call and the applicant's draft (made once per data folder): (call path, application id)."""
    os.environ.update(_env(data_dir))
    import django

    django.setup()
    from django.contrib.auth import get_user_model
    from django.db import connections
    from django.utils import timezone

    from regija.calls import services
    from regija.calls.models import (
        Application,
        Call,
        CallFund,
        CallStatus,
        CommitteeSeat,
        Criterion,
        EligibilityCondition,
    )
    from regija.core.models import Membership, Organisation
    from regija.core.services import record_save
    from regija.projects.models import Fund
    from regija.strategies.models import Node, Strategy

    User = get_user_model()
    admin = User.objects.filter(username=ADMIN).first()
    if admin is None:
        admin = User.objects.create_superuser(ADMIN, f"{ADMIN}@example.org", PASSWORD)
    las = Organisation.objects.get(slug="las-zasavje")
    call = Call.objects.filter(organisation=las, slug=CALL_SLUG).first()
    if call is None:
        now = timezone.now()
        call = Call(
            organisation=las,
            strategy=Strategy.objects.get(slug="las-zasavje-2023"),
            slug=CALL_SLUG,
            number="6",
            title="6. javni poziv Partnerstva LAS Zasavje",
            title_en="6th public call of the LAS Zasavje Partnership",
            text=(
                "Partnerstvo LAS Zasavje vabi k oddaji predlogov operacij, ki prispevajo k ciljem "
                "Strategije lokalnega razvoja. Prijavitelji so lahko društva, zavodi, podjetja in "
                "občine s sedežem na območju LAS."
            ),
            opens_at=now - dt.timedelta(days=1),
            closes_at=now + dt.timedelta(days=60),
            pass_threshold=Decimal("50"),
            contact="info@las-zasavje.si",
            status=CallStatus.DRAFT,
        )
        record_save(admin, call)
        call.nodes.set(Node.objects.filter(strategy=call.strategy, code="JP"))
        record_save(admin, CallFund(call=call, fund=Fund.objects.get(code="CLLD"), amount=Decimal("200000")))
        for order, text in enumerate(
            ("Prijavitelj ima sedež na območju LAS.", "Operacija prispeva k ciljem SLR."), start=1
        ):
            record_save(admin, EligibilityCondition(call=call, order=order, text=text))
        for order, (name, points) in enumerate(
            (("Prispevek k ciljem SLR", 40), ("Partnerstvo", 30), ("Trajnost", 30)), start=1
        ):
            record_save(admin, Criterion(call=call, order=order, name=name, max_points=Decimal(points)))
        for order, (name, role) in enumerate(
            (("Roman Medved", "chair"), ("Mojca Metličar", "member"), ("Goran Šoster", "member")), start=1
        ):
            record_save(admin, CommitteeSeat(call=call, order=order, name=name, role=role))
        call = services.publish(call, admin)

    applicant = User.objects.filter(username=APPLICANT).first()
    if applicant is None:
        applicant = User.objects.create_user(APPLICANT, f"{APPLICANT}@example.org", PASSWORD)
        org = Organisation(slug="drustvo-sonce", name="Društvo Sonce", kind="ngo")
        record_save(admin, org)
        record_save(admin, Membership(user=applicant, organisation=org, role="editor"))
    app = Application.objects.filter(call=call, created_by=applicant).first()
    if app is None:
        org = Organisation.objects.get(slug="drustvo-sonce")
        app = services.start_application(call, org, applicant, "Zeleni Zasavje")
        start = timezone.localdate() + dt.timedelta(days=120)
        data = services.DraftData(
            title="Zeleni Zasavje",
            summary="Ureditev učnih poti in delavnice o samooskrbi za prebivalce Zasavja.",
            funds=[(Fund.objects.get(code="CLLD").pk, Decimal("48500.00"))],
            partners=[{"organisation": None, "name": "Zavod Luna", "role": "izvedba delavnic"}],
            phases=[
                {
                    "title": "1. faza",
                    "start": start,
                    "end": start + dt.timedelta(days=180),
                    "amount": Decimal("48500.00"),
                }
            ],
        )
        app = services.save_draft(app, applicant, data, version=app.version)
    path = f"/razpisi/{las.slug}/{call.slug}/"
    connections.close_all()
    return path, app.pk


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _wait_until_up(url: str, server: subprocess.Popen, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise SystemExit(f"the server stopped (exit {server.returncode}); see its output above")
        try:
            with urllib.request.urlopen(url, timeout=5) as response:  # noqa: S310 – our own http URL
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.3)
    raise SystemExit(f"{url} did not answer within {seconds:.0f} s")


def _save(png: bytes, path: Path) -> int:
    """Write the PNG; over MAX_BYTES, as a 256-colour palette image when Pillow is there."""
    if len(png) > MAX_BYTES:
        try:
            from PIL import Image
        except ImportError:
            pass
        else:
            out = io.BytesIO()
            Image.open(io.BytesIO(png)).convert("RGB").quantize(colors=256).save(out, "PNG", optimize=True)
            png = out.getvalue()
    path.write_bytes(png)
    return len(png)


def visit(page, target: Path, path: str) -> None:
    """Open ``path`` and save the visible part of the window as ``target``."""
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    page.goto(path, wait_until="load")
    try:
        page.wait_for_load_state("networkidle", timeout=5_000)
    except PlaywrightTimeout:
        print(f"{path}: still loading after 5 s (map tiles on a closed network?); taken as it is")
    size = _save(page.screenshot(full_page=False), target)
    print(f"{target}  {page.url}  {size // 1024} KB")


def shoot(base_url: str, out: Path, call_path: str, application: int) -> None:
    from playwright.sync_api import sync_playwright

    out.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_FLAGS)
        try:
            for width, height in WIDTHS.items():
                context = browser.new_context(
                    base_url=base_url,
                    locale="sl-SI",
                    viewport={"width": width, "height": height},
                    device_scale_factor=1,
                    is_mobile=width < 600,
                    has_touch=width < 600,
                )
                context.set_default_timeout(20_000)
                page = context.new_page()

                visit(page, out / f"home-{width}.png", "/")
                strategy = page.locator('a[href*="/strategije/velenje"]').first.get_attribute("href")
                visit(page, out / f"strategy-{width}.png", strategy)
                visit(page, out / f"projects-{width}.png", "/projekti/")
                visit(page, out / f"call-{width}.png", call_path)
                page.goto(f"/prijava/?next=/prijave/{application}/")
                page.fill("#id_username", APPLICANT)
                page.fill("#id_password", PASSWORD)
                page.press("#id_password", "Enter")
                page.wait_for_url(f"**/prijave/{application}/")
                visit(page, out / f"apply-{width}.png", f"/prijave/{application}/")
                context.close()
        finally:
            browser.close()


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("out", type=Path, help="folder for the PNG files")
    parser.add_argument("--base-url", help="a running instance, e.g. http://127.0.0.1:8000")
    parser.add_argument("--data-dir", type=Path, help="REGIJA_DATA_DIR of that instance (SQLite)")
    parser.add_argument("--keep", action="store_true", help="keep the temporary data folder")
    args = parser.parse_args()
    if args.base_url and not args.data_dir:
        parser.error("--base-url needs --data-dir: the open call and the applicant are added there")
    if not CHROMIUM.exists():
        raise SystemExit(f"{CHROMIUM} not found: install Debian's chromium (apt-get install chromium)")

    if args.base_url:
        call_path, application = prepare(args.data_dir.resolve())
        shoot(args.base_url.rstrip("/"), args.out, call_path, application)
        return

    data_dir = Path(tempfile.mkdtemp(prefix="regija-screenshots-"))
    server = None
    try:
        subprocess.run(_regija("up", "--no-serve"), env=_env(data_dir), check=True, cwd=ROOT)
        call_path, application = prepare(data_dir)
        port = _free_port()
        server = subprocess.Popen(_regija("up", "--port", str(port)), env=_env(data_dir), cwd=ROOT)
        base_url = f"http://127.0.0.1:{port}"
        _wait_until_up(base_url + "/", server)
        shoot(base_url, args.out, call_path, application)
    finally:
        if server is not None:
            server.terminate()
            server.wait(timeout=30)
        if args.keep:
            print(f"data folder kept: {data_dir}")
        else:
            shutil.rmtree(data_dir, ignore_errors=True)


if __name__ == "__main__":
    main()
