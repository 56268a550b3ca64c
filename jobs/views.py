"""The job pages: a user's own jobs, one job's progress and result, an export's file."""

from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, render
from django.utils.cache import patch_vary_headers
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from .models import Job

PER_PAGE = 50


def get_job(request, pk: int) -> Job:
    """The job `pk`: 404 when missing, 403 when it is someone else's (each user sees only
    their own jobs; a queued command's job has no owner and shows only in the admin)."""
    job = get_object_or_404(Job, pk=pk)
    if job.owner_id != request.user.pk:
        raise PermissionDenied(_("This job is someone else's."))
    return job


@require_GET
def job_list(request):
    jobs = Job.objects.owned_by(request.user).newest_first()[:PER_PAGE]
    return render(request, "jobs/job_list.html", {"jobs": jobs})


@require_GET
def job_detail(request, pk: int):
    """The job's progress and, once finished, its result. While it runs, htmx asks for the
    status partial again every two seconds; a finished job's partial stops asking."""
    job = get_job(request, pk)
    template = "jobs/partials/job_status.html" if request.htmx else "jobs/job_detail.html"
    response = render(request, template, {"job": job})
    patch_vary_headers(response, ("HX-Request",))
    return response


@require_GET
def job_download(request, pk: int):
    job = get_job(request, pk)
    if job.status != Job.Status.DONE or not job.output_file:
        raise Http404(_("This job has no file."))
    try:
        handle = job.output_file.open("rb")
    except FileNotFoundError:
        raise Http404(_("The file is no longer there.")) from None
    return FileResponse(
        handle,
        as_attachment=True,
        filename=job.result.get("filename") or job.output_file.name.rsplit("/", 1)[-1],
    )
