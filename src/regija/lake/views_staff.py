"""The publisher's side of the catalogue: the datasets one may change, creating one, its metadata, an
upload as a new version, the data dictionary, refresh, publish and withdraw – every write through
``lake.services`` – and the jobs page (``/opravila/``)."""

from __future__ import annotations

import re
import shutil
import tempfile
from pathlib import Path

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from regija.core import jobs as core_jobs
from regija.core import uploads
from regija.core.models import JobRun, JobState, Organisation, Role
from regija.core.permissions import can, is_staff, org_ids_with
from regija.core.services import Refused

from . import selectors, services
from .forms import ColumnFormSet, DatasetForm, UploadForm
from .models import Dataset, Kind, Refresh
from .views import quality_of

RUNS_SHOWN = 50


def _editable(request, slug: str) -> Dataset:
    """The dataset, if this user may change it: 404 when they may not even read it, 403 otherwise."""
    try:
        dataset = selectors.dataset_for(request.user, slug)
    except Dataset.DoesNotExist:
        raise Http404 from None
    if not can(request.user, "change", dataset):
        raise PermissionDenied
    return dataset


def _publishers(user):
    allowed = org_ids_with(user, Role.EDITOR)
    qs = Organisation.objects.order_by("name")
    return qs if allowed is None else qs.filter(pk__in=allowed)


def _refused(form, exc: Refused) -> None:
    field = (exc.field or "").split(".")[0]
    form.add_error(field if field in form.fields else None, exc.message)


@never_cache
@login_required
def my_datasets(request):
    if not is_staff(request.user):
        raise PermissionDenied
    datasets = list(selectors.with_details(selectors.editable_datasets(request.user)).order_by("title"))
    rows = [(d, quality_of(d)) for d in datasets]
    return render(
        request,
        "lake/staff/mine.html",
        {"rows": rows, "can_create": _publishers(request.user).exists(), "nav": "open_data"},
    )


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def dataset_create(request):
    organisations = _publishers(request.user)
    if not organisations.exists():
        raise PermissionDenied
    form = DatasetForm(request.POST or None, organisations=organisations)
    if request.method == "POST" and form.is_valid():
        try:
            dataset = services.dataset_create(
                request.user,
                publisher=form.cleaned_data["publisher"],
                data=form.data_for_service(),
                via="web",
            )
        except Refused as exc:
            _refused(form, exc)
        else:
            messages.success(request, _("The dataset is created as a draft. Now add its data."))
            if dataset.kind == Kind.COPY:
                return redirect("lake:upload", dataset.slug)
            return redirect("lake:edit", dataset.slug)
    return render(request, "lake/staff/form.html", {"form": form, "dataset": None, "nav": "open_data"})


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def dataset_edit(request, slug: str):
    dataset = _editable(request, slug)
    form = DatasetForm(request.POST or None, instance=dataset)
    if request.method == "POST" and form.is_valid():
        changes = form.changes()
        try:
            if changes:
                dataset = services.dataset_update(request.user, dataset, changes, via="web")
        except Refused as exc:
            _refused(form, exc)
        else:
            messages.success(request, _("The metadata is saved.") if changes else _("Nothing was changed."))
            return redirect("lake:edit", dataset.slug)
    return render(
        request,
        "lake/staff/form.html",
        {
            "form": form,
            "dataset": dataset,
            "quality": quality_of(dataset),
            "versions": list(selectors.versions(dataset)[:5]),
            "nav": "open_data",
        },
    )


def _keep(uploaded, folder: str) -> Path:
    """The uploaded file on disk under its own name (the reader's messages name it: "zrak.csv:3: …") and
    extension; a large one is a temporary file already and is copied."""
    name = re.sub(r"[^\w.\-]", "_", Path(uploaded.name or "").name)[-100:].lstrip(".")
    target = Path(folder) / (name or "upload")
    path = getattr(uploaded, "temporary_file_path", None)
    if path is not None:
        shutil.copyfile(path(), target)
    else:
        with target.open("wb") as out:
            for chunk in uploaded.chunks():
                out.write(chunk)
    return target


@uploads.file_limit(lambda: settings.REGIJA_LAKE_MAX_BYTES)
@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def upload(request, slug: str):
    dataset = _editable(request, slug)
    if dataset.kind != Kind.COPY:
        raise Http404
    form = UploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        uploaded = form.cleaned_data["file"]
        try:
            with tempfile.TemporaryDirectory(prefix="regija-upload-") as folder:
                version = services.upload(
                    request.user,
                    dataset,
                    _keep(uploaded, folder),
                    name=uploaded.name,
                    via="web",
                    replace_columns=form.cleaned_data["replace_columns"],
                )
        except Refused as exc:
            form.add_error("file", exc.message)
        else:
            if version is None:
                messages.info(request, _("The file is the same as the current version: nothing changed."))
            else:
                messages.success(
                    request,
                    _("Version %(n)s is added: %(rows)s rows.") % {"n": version.number, "rows": version.rows},
                )
            return redirect("lake:dataset", dataset.slug)
    return render(
        request,
        "lake/staff/upload.html",
        {"form": form, "dataset": dataset, "limit": settings.REGIJA_LAKE_MAX_BYTES, "nav": "open_data"},
    )


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def columns(request, slug: str):
    dataset = _editable(request, slug)
    existing = list(dataset.columns.all())
    if not existing:
        raise Http404
    initial = [
        {
            "name": c.name,
            "title": c.title,
            "type": c.type,
            "unit": c.unit,
            "description": c.description,
            "description_en": c.description_en,
        }
        for c in existing
    ]
    formset = ColumnFormSet(request.POST or None, initial=initial)
    if request.method == "POST" and formset.is_valid():
        rows = [f.cleaned_data for f in formset.forms if f.cleaned_data]
        try:
            services.columns_update(request.user, dataset, rows, via="web")
        except Refused as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, _("The columns are described."))
            return redirect("lake:dataset", dataset.slug)
    pairs = list(zip(existing, formset.forms, strict=False))
    return render(
        request,
        "lake/staff/columns.html",
        {"formset": formset, "pairs": pairs, "dataset": dataset, "nav": "open_data"},
    )


@login_required
@require_POST
def action(request, slug: str):
    """Publish, withdraw or refresh now (a button on the dataset's staff page)."""
    dataset = _editable(request, slug)
    what = request.POST.get("action", "")
    try:
        if what == "publish":
            services.dataset_publish(request.user, dataset, via="web")
            messages.success(request, _("The dataset is published."))
        elif what == "withdraw":
            services.dataset_withdraw(request.user, dataset, via="web")
            messages.success(request, _("The dataset is back to draft: only your organisation sees it."))
        elif what == "refresh":
            services.refresh_request(request.user, dataset, via="web")
            messages.success(request, _("The refresh is queued; the jobs page shows how it went."))
        else:
            messages.error(request, _("Unknown action."))
    except Refused as exc:
        messages.error(request, exc.message)
    return redirect("lake:edit", dataset.slug)


@never_cache
@login_required
def jobs(request):
    """Background jobs for staff: the periodic ones and when they run next, the datasets due for a
    refresh, the recent runs (failures first to the eye) and how many jobs wait. Job runs carry no
    personal data, so every member of staff sees them all."""
    if not is_staff(request.user):
        raise PermissionDenied
    now = timezone.now()
    periodic = [(p, p.next_run(now)) for p in sorted(core_jobs.PERIODIC.values(), key=lambda p: p.name)]
    due = list(
        selectors.visible_datasets(request.user)
        .filter(kind=Kind.COPY, next_refresh_at__isnull=False)
        .exclude(refresh=Refresh.NEVER)
        .order_by("next_refresh_at")[:50]
    )
    runs = list(JobRun.objects.order_by("-started_at")[:RUNS_SHOWN])
    failed = JobRun.objects.filter(state=JobState.FAILED).count()
    try:
        from huey.contrib.djhuey import HUEY

        pending: int | None = HUEY.pending_count()
    except Exception:  # the queue unreachable: say so rather than fail the page
        pending = None
    return render(
        request,
        "lake/staff/jobs.html",
        {"periodic": periodic, "due": due, "runs": runs, "failed": failed, "pending": pending, "nav": "jobs"},
    )
