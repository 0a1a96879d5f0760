#!/usr/bin/env python3
"""Smoke test of the generated Python client (openreplay_jobs_api) against a running Jobs API.

    python smoke.py --base-url URL --api-key KEY --project PROJECT_KEY --mode mock|server|sandbox

mock:   the Prism mock of openapi.yaml. Answers are the spec's examples, so only shapes and statuses
        are checked; the 501 and 404 answers are requested with `Prefer: code=...`.
server: a real server. The project must exist and the key must reach it. The smoke schedules a
        deletion for a fresh user (deleteUserData), finds it in the list, gets it, cancels it,
        cancels it again (501), asks for an unknown job (404) and uses a wrong key (401). The
        server must schedule new jobs in the future (the default, next 00:00 UTC), or the job
        may finish before it is cancelled.
sandbox: `jobs-api sandbox` (test mode): with urllib3's Retry configured as docs/clients.md shows, a
        call answered `Prefer: code=429, times=2` (then 503, times=1) succeeds after waiting the
        advertised Retry-After each time; without it, the 429 reaches the caller as a problem.

Exits 0 when every check passed, 1 with a message naming the first mismatch.
"""

from __future__ import annotations

import argparse
import sys
import time
from typing import Callable, NoReturn, TypeVar

import openreplay_jobs_api as api
from openreplay_jobs_api.exceptions import ApiException
from urllib3 import Retry

# As docs/clients.md shows: 429 and 503 (the server did nothing) are tried again after Retry-After,
# for every operation; a request whose answer was lost (read=0) is not repeated, since a cancel may
# have landed; raise_on_status=False hands the last answer to the client, which raises ApiException.
RETRIES = Retry(total=3, read=0, status_forcelist=(429, 503), allowed_methods=None, backoff_factor=0.5, raise_on_status=False)

T = TypeVar("T")
STATUSES = {"scheduled", "running", "cancelled", "failed", "completed"}
PROBLEM = "urn:problem:jobs-api:"
UNKNOWN_JOB_ID = 9007199254740991  # the largest jobId the spec allows; never issued by a test server


class Mismatch(Exception):
    pass


def fail(message: str) -> NoReturn:
    raise Mismatch(message)


def expect(condition: bool, message: str) -> None:
    if not condition:
        fail(message)


def check_job(job: api.Job, where: str) -> None:
    expect(job.job_id >= 1, f"{where}: jobId {job.job_id} is not a positive integer")
    expect(job.status.value in STATUSES, f"{where}: unknown status {job.status!r}")
    expect(job.action.value == "delete_user_data", f"{where}: unexpected action {job.action!r}")
    expect(job.created_at <= job.updated_at, f"{where}: updatedAt {job.updated_at} < createdAt {job.created_at}")
    if job.status.value == "failed":
        expect(bool(job.errors), f"{where}: a failed job without errors")
    else:
        expect(job.errors is None, f"{where}: errors is {job.errors!r} for a {job.status.value} job")


def expect_problem(call: Callable[[], T], status: int, kind: str, what: str) -> api.Problem:
    """Runs call, which must raise ApiException with `status` and a problem body of type `kind`."""
    try:
        result = call()
    except ApiException as err:
        expect(err.status == status, f"{what}: expected HTTP {status}, got {err.status}: {err.body}")
        problem = err.data
        expect(isinstance(problem, api.Problem), f"{what}: the {status} body is not a Problem: {err.body}")
        assert isinstance(problem, api.Problem)
        expect(problem.status == status, f"{what}: problem.status is {problem.status}, not {status}")
        expect(problem.type == PROBLEM + kind, f"{what}: problem.type is {problem.type}, not {PROBLEM + kind}")
        expect(problem.errors == [problem.detail], f"{what}: errors {problem.errors} is not [detail]")
        return problem
    fail(f"{what}: expected HTTP {status}, but the call succeeded with {result!r}")


def prefer(code: int) -> dict[str, str]:
    """Headers that make Prism answer `code`. The generated client sends `Accept: application/json`
    only, and Prism ignores `Prefer` when the answer's media type (here application/problem+json)
    is not acceptable, so the problem type is accepted explicitly."""
    return {"Prefer": f"code={code}", "Accept": "application/json, application/problem+json"}


def smoke(base_url: str, api_key: str, project: str, mode: str) -> list[str]:
    mock = mode == "mock"
    done: list[str] = []
    config = api.Configuration(host=base_url.rstrip("/"), api_key={"ApiKey": api_key})
    with api.ApiClient(config) as client:
        jobs = api.JobsApi(client)
        users = api.UsersApi(client)

        user_id = f"smoke-python-{time.time_ns()}@example.com"
        created = users.delete_user_data(project, user_id).data
        check_job(created, "deleteUserData")
        expect(created.status.value == "scheduled", f"deleteUserData: status {created.status.value}, not scheduled")
        if not mock:
            expect(created.reference_id == user_id, f"deleteUserData: referenceId {created.reference_id} != {user_id}")
        done.append(f"delete_user_data -> job {created.job_id} scheduled")

        listed = jobs.list_jobs(project).data
        expect(len(listed) > 0, "listJobs: the list is empty")
        for job in listed:
            check_job(job, f"listJobs job {job.job_id}")
        ids = [job.job_id for job in listed]
        expect(ids == sorted(ids) and len(set(ids)) == len(ids), f"listJobs: jobIds not ascending: {ids}")
        if not mock:
            expect(created.job_id in ids, f"listJobs: the new job {created.job_id} is not in the list")
        done.append(f"list_jobs -> {len(listed)} jobs")

        target = listed[0].job_id if mock else created.job_id
        got = jobs.get_job(project, target).data
        check_job(got, "getJob")
        expect(got.job_id == target, f"getJob: asked for job {target}, got job {got.job_id}")
        done.append(f"get_job({target}) -> {got.status.value}")

        cancelled = jobs.cancel_job(project, target).data
        check_job(cancelled, "cancelJob")
        expect(cancelled.status.value == "cancelled", f"cancelJob: status {cancelled.status.value}, not cancelled")
        if not mock:
            expect(cancelled.job_id == target, f"cancelJob: cancelled job {cancelled.job_id}, not {target}")
            expect(cancelled.updated_at >= got.updated_at, "cancelJob: updatedAt went backwards")
        done.append(f"cancel_job({target}) -> cancelled")

        again = prefer(501) if mock else None
        problem = expect_problem(
            lambda: jobs.cancel_job(project, target, _headers=again),
            501,
            "job-not-cancellable",
            "cancelJob of a cancelled job",
        )
        done.append(f"cancel_job({target}) again -> 501 {problem.title}")

        unknown = prefer(404) if mock else None
        problem = expect_problem(
            lambda: jobs.get_job(project, UNKNOWN_JOB_ID, _headers=unknown),
            404,
            "not-found",
            "getJob of an unknown job",
        )
        done.append(f"get_job({UNKNOWN_JOB_ID}) -> 404 {problem.title}")

    if not mock:
        wrong = api.Configuration(host=base_url.rstrip("/"), api_key={"ApiKey": "not-a-key-" + api_key})
        with api.ApiClient(wrong) as client:
            problem = expect_problem(
                lambda: api.JobsApi(client).list_jobs(project), 401, "unauthorized", "listJobs with a wrong key"
            )
        done.append("list_jobs with a wrong key -> 401")
    return done


def sandbox(base_url: str, api_key: str, project: str) -> list[str]:
    """Test mode's Prefer answers, ridden out by urllib3's Retry after the advertised wait."""
    done: list[str] = []
    host = base_url.rstrip("/")

    def once(status: int, times: int) -> dict[str, str]:
        # A fresh X-Request-Id: the sandbox counts the attempts of this request (the retries resend it).
        return {"Prefer": f"code={status}, times={times}", "X-Request-Id": f"python-{status}-{time.time_ns()}"}

    # retries=False: none at all (urllib3's own default, Retry(3), already waits out a 429 with Retry-After).
    with api.ApiClient(api.Configuration(host=host, api_key={"ApiKey": api_key}, retries=False)) as plain:
        try:
            api.JobsApi(plain).list_jobs(project, limit=1, _headers=once(429, 1))
            fail("without retries: the 429 did not reach the caller")
        except ApiException as err:
            expect(err.status == 429, f"without retries: expected HTTP 429, got {err.status}")
            problem = err.data
            expect(isinstance(problem, api.Problem) and problem.type == PROBLEM + "rate-limited", f"not a rate-limited problem: {err.body}")
            retry_after = int((err.headers or {}).get("Retry-After", "0"))
            expect(retry_after >= 1, f"the 429 has no Retry-After: {err.headers}")
        done.append(f"list_jobs with Prefer: code=429, retries=False -> 429, Retry-After: {retry_after}")

    # When the retries run out, the last answer reaches the caller as the ApiException with its problem.
    with api.ApiClient(api.Configuration(host=host, api_key={"ApiKey": api_key}, retries=RETRIES)) as client:
        started = time.monotonic()
        expect_problem(
            lambda: api.JobsApi(client).list_jobs(project, limit=1, _headers=once(503, 9)),
            503,
            "unavailable",
            "listJobs answered 503 more often than retried",
        )
        done.append(f"list_jobs with Prefer: code=503, times=9 -> 503 ApiException after {time.monotonic() - started:.1f} s")

    config = api.Configuration(host=host, api_key={"ApiKey": api_key}, retries=RETRIES)
    with api.ApiClient(config) as client:
        for status, times, wait in ((429, 2, retry_after), (503, 1, 1)):
            started = time.monotonic()
            listed = api.JobsApi(client).list_jobs(project, limit=1, _headers=once(status, times)).data
            waited = time.monotonic() - started
            expect(len(listed) == 1, f"after retries: expected one job, got {listed}")
            expect(waited >= times * wait, f"answered after {waited:.2f} s, sooner than {times} x Retry-After {wait} s")
            done.append(f"list_jobs with Prefer: code={status}, times={times} -> 200 after {waited:.1f} s (>= {times} x {wait} s)")
    return done


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--base-url", required=True)
    parser.add_argument("--api-key", required=True)
    parser.add_argument("--project", required=True)
    parser.add_argument("--mode", required=True, choices=["mock", "server", "sandbox"])
    args = parser.parse_args()
    try:
        if args.mode == "sandbox":
            done = sandbox(args.base_url, args.api_key, args.project)
        else:
            done = smoke(args.base_url, args.api_key, args.project, args.mode)
    except Mismatch as err:
        print(f"python client smoke ({args.mode}) FAILED: {err}", file=sys.stderr)
        return 1
    except ApiException as err:
        print(f"python client smoke ({args.mode}) FAILED: unexpected HTTP {err.status}: {err.body}", file=sys.stderr)
        return 1
    except Exception as err:  # a connection error or a body the client could not parse
        print(f"python client smoke ({args.mode}) FAILED: {type(err).__name__}: {err}", file=sys.stderr)
        return 1
    for line in done:
        print(f"  ok  {line}")
    print(f"python client smoke ({args.mode}): {len(done)} checks passed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
