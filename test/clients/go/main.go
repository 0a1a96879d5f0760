// Command smoke checks the generated Go client (package jobsapi, out/clients/go) against a running
// Jobs API.
//
//	go run . --base-url URL --api-key KEY --project PROJECT_KEY --mode mock|server|sandbox
//
// mock:   the Prism mock of openapi.yaml. Answers are the spec's examples, so only shapes and
//
//	statuses are checked; the 501 and 404 answers are requested with `Prefer: code=...`.
//
// server: a real server. The project must exist and the key must reach it. The smoke schedules a
//
//	deletion for a fresh user (deleteUserData), finds it in the list, gets it, cancels it,
//	cancels it again (501), asks for an unknown job (404) and uses a wrong key (401). The server
//	must schedule new jobs in the future (the default, next 00:00 UTC), or the job may finish
//	before it is cancelled.
//
// sandbox: `jobs-api sandbox` (test mode). With go-retryablehttp as the client's HTTP client, set up
//
//	as docs/clients.md shows, a call answered `Prefer: code=429, times=2` (then 503, times=1)
//	succeeds after waiting the advertised Retry-After each time; without it, the 429 reaches the
//	caller as a problem, and so does the last 503 when the retries run out.
//
// Exits 0 when every check passed, 1 with a message naming the first mismatch.
package main

import (
	"context"
	"flag"
	"fmt"
	"net/http"
	"os"
	"slices"
	"strings"
	"time"

	"github.com/hashicorp/go-retryablehttp"
	"openreplay.example.com/jobsapi"
)

const (
	problemPrefix = "urn:problem:jobs-api:"
	unknownJobID  = jobsapi.JobId(9007199254740991) // the largest jobId the spec allows
)

type mismatch struct{ msg string }

func (m mismatch) Error() string { return m.msg }

func fail(format string, args ...any) { panic(mismatch{fmt.Sprintf(format, args...)}) }

func expect(ok bool, format string, args ...any) {
	if !ok {
		fail(format, args...)
	}
}

func must[T any](v T, err error) T {
	if err != nil {
		fail("request failed: %v", err)
	}
	return v
}

func checkJob(job jobsapi.Job, where string) {
	expect(job.JobId >= 1, "%s: jobId %d is not a positive integer", where, job.JobId)
	expect(job.Status.Valid(), "%s: unknown status %q", where, job.Status)
	expect(job.Action == jobsapi.JobActionDeleteUserData, "%s: unexpected action %q", where, job.Action)
	expect(job.CreatedAt <= job.UpdatedAt, "%s: updatedAt %d < createdAt %d", where, job.UpdatedAt, job.CreatedAt)
	if job.Status == jobsapi.JobStatusFailed {
		expect(job.Errors != nil && *job.Errors != "", "%s: a failed job without errors", where)
	} else {
		expect(job.Errors == nil, "%s: errors is %q for a %s job", where, deref(job.Errors), job.Status)
	}
}

func deref(s *string) string {
	if s == nil {
		return "<nil>"
	}
	return *s
}

// expectProblem checks an error answer: the HTTP status, and the RFC 9457 body parsed by the client.
func expectProblem(what string, status int, body []byte, problem *jobsapi.Problem, wantStatus int, kind string) {
	expect(status == wantStatus, "%s: expected HTTP %d, got %d: %s", what, wantStatus, status, body)
	expect(problem != nil, "%s: the %d answer was not parsed as a problem: %s", what, wantStatus, body)
	expect(problem.Status == wantStatus, "%s: problem.status is %d, not %d", what, problem.Status, wantStatus)
	expect(problem.Type == problemPrefix+kind, "%s: problem.type is %s, not %s", what, problem.Type, problemPrefix+kind)
	expect(slices.Equal(problem.Errors, []string{problem.Detail}), "%s: errors %q is not [detail]", what, problem.Errors)
}

func withHeader(name, value string) jobsapi.RequestEditorFn {
	return func(_ context.Context, req *http.Request) error {
		req.Header.Set(name, value)
		return nil
	}
}

// retryingHTTPClient is docs/clients.md's set-up: 429 and 503 (the server did nothing) are tried
// again after Retry-After, for every operation; a request whose answer was lost is not repeated
// (a cancel may have landed); when the tries run out, the last answer is handed on, not an error.
func retryingHTTPClient() *http.Client {
	retrying := retryablehttp.NewClient()
	retrying.RetryMax = 3
	retrying.Logger = nil
	retrying.CheckRetry = func(ctx context.Context, res *http.Response, err error) (bool, error) {
		return err == nil && (res.StatusCode == http.StatusTooManyRequests || res.StatusCode == http.StatusServiceUnavailable), ctx.Err()
	}
	retrying.ErrorHandler = retryablehttp.PassthroughErrorHandler
	return retrying.StandardClient()
}

func newClient(baseURL, apiKey string) *jobsapi.ClientWithResponses {
	return newClientWith(baseURL, apiKey, &http.Client{Timeout: 30 * time.Second})
}

func newClientWith(baseURL, apiKey string, httpClient jobsapi.HttpRequestDoer) *jobsapi.ClientWithResponses {
	client, err := jobsapi.NewClientWithResponses(
		strings.TrimRight(baseURL, "/"),
		jobsapi.WithHTTPClient(httpClient),
		// The key is sent raw, as the API documents: `Authorization: <key>`.
		jobsapi.WithRequestEditorFn(withHeader("Authorization", apiKey)),
	)
	if err != nil {
		fail("cannot create the client: %v", err)
	}
	return client
}

func smoke(ctx context.Context, baseURL, apiKey, project, mode string) (done []string) {
	mock := mode == "mock"
	client := newClient(baseURL, apiKey)
	// In mock mode the error answers are chosen with Prism's Prefer header.
	prefer := func(code int) []jobsapi.RequestEditorFn {
		if !mock {
			return nil
		}
		return []jobsapi.RequestEditorFn{withHeader("Prefer", fmt.Sprintf("code=%d", code))}
	}

	userID := fmt.Sprintf("smoke-go-%d@example.com", time.Now().UnixNano())
	del := must(client.DeleteUserDataWithResponse(ctx, project, userID))
	expect(del.JSON200 != nil, "deleteUserData: expected HTTP 200, got %d: %s", del.StatusCode(), del.Body)
	created := del.JSON200.Data
	checkJob(created, "deleteUserData")
	expect(created.Status == jobsapi.JobStatusScheduled, "deleteUserData: status %s, not scheduled", created.Status)
	if !mock {
		expect(created.ReferenceId == userID, "deleteUserData: referenceId %s != %s", created.ReferenceId, userID)
	}
	done = append(done, fmt.Sprintf("DeleteUserDataWithResponse -> job %d scheduled", created.JobId))

	list := must(client.ListJobsWithResponse(ctx, project, nil))
	expect(list.JSON200 != nil, "listJobs: expected HTTP 200, got %d: %s", list.StatusCode(), list.Body)
	jobs := list.JSON200.Data
	expect(len(jobs) > 0, "listJobs: the list is empty")
	ids := make([]int64, 0, len(jobs))
	for _, job := range jobs {
		checkJob(job, fmt.Sprintf("listJobs job %d", job.JobId))
		ids = append(ids, job.JobId)
	}
	expect(slices.IsSorted(ids) && len(slices.Compact(slices.Clone(ids))) == len(ids), "listJobs: jobIds not ascending: %v", ids)
	if !mock {
		expect(slices.Contains(ids, created.JobId), "listJobs: the new job %d is not in the list", created.JobId)
	}
	done = append(done, fmt.Sprintf("ListJobsWithResponse -> %d jobs", len(jobs)))

	target := created.JobId
	if mock {
		target = jobs[0].JobId
	}
	get := must(client.GetJobWithResponse(ctx, project, target))
	expect(get.JSON200 != nil, "getJob: expected HTTP 200, got %d: %s", get.StatusCode(), get.Body)
	got := get.JSON200.Data
	checkJob(got, "getJob")
	expect(got.JobId == target, "getJob: asked for job %d, got job %d", target, got.JobId)
	done = append(done, fmt.Sprintf("GetJobWithResponse(%d) -> %s", target, got.Status))

	cancel := must(client.CancelJobWithResponse(ctx, project, target))
	expect(cancel.JSON200 != nil, "cancelJob: expected HTTP 200, got %d: %s", cancel.StatusCode(), cancel.Body)
	cancelled := cancel.JSON200.Data
	checkJob(cancelled, "cancelJob")
	expect(cancelled.Status == jobsapi.JobStatusCancelled, "cancelJob: status %s, not cancelled", cancelled.Status)
	if !mock {
		expect(cancelled.JobId == target, "cancelJob: cancelled job %d, not %d", cancelled.JobId, target)
		expect(cancelled.UpdatedAt >= got.UpdatedAt, "cancelJob: updatedAt went backwards")
	}
	done = append(done, fmt.Sprintf("CancelJobWithResponse(%d) -> cancelled", target))

	again := must(client.CancelJobWithResponse(ctx, project, target, prefer(501)...))
	expectProblem("cancelJob of a cancelled job", again.StatusCode(), again.Body, again.ApplicationproblemJSON501, 501, "job-not-cancellable")
	done = append(done, fmt.Sprintf("CancelJobWithResponse(%d) again -> 501 %s", target, again.ApplicationproblemJSON501.Title))

	missing := must(client.GetJobWithResponse(ctx, project, unknownJobID, prefer(404)...))
	expectProblem("getJob of an unknown job", missing.StatusCode(), missing.Body, missing.ApplicationproblemJSON404, 404, "not-found")
	done = append(done, fmt.Sprintf("GetJobWithResponse(%d) -> 404 %s", unknownJobID, missing.ApplicationproblemJSON404.Title))

	if !mock {
		wrong := newClient(baseURL, "not-a-key-"+apiKey)
		res := must(wrong.ListJobsWithResponse(ctx, project, nil))
		expectProblem("listJobs with a wrong key", res.StatusCode(), res.Body, res.ApplicationproblemJSON401, 401, "unauthorized")
		done = append(done, "ListJobsWithResponse with a wrong key -> 401")
	}
	return done
}

// sandbox checks that go-retryablehttp rides out test mode's Prefer answers after the advertised wait.
func sandbox(ctx context.Context, baseURL, apiKey, project string) (done []string) {
	limit := 1
	params := &jobsapi.ListJobsParams{Limit: &limit}
	// A fresh X-Request-Id: the sandbox counts the attempts of this request (a retry resends it).
	once := func(status, times int) []jobsapi.RequestEditorFn {
		return []jobsapi.RequestEditorFn{
			withHeader("Prefer", fmt.Sprintf("code=%d, times=%d", status, times)),
			withHeader("X-Request-Id", fmt.Sprintf("go-%d-%d", status, time.Now().UnixNano())),
		}
	}

	plain := must(newClient(baseURL, apiKey).ListJobsWithResponse(ctx, project, params, once(429, 1)...))
	expectProblem("listJobs without retries", plain.StatusCode(), plain.Body, plain.ApplicationproblemJSON429, 429, "rate-limited")
	retryAfter, err := time.ParseDuration(plain.HTTPResponse.Header.Get("Retry-After") + "s")
	expect(err == nil && retryAfter >= time.Second, "the 429 has no Retry-After: %v", plain.HTTPResponse.Header)
	done = append(done, fmt.Sprintf("ListJobsWithResponse with Prefer: code=429, no retries -> 429, Retry-After: %s", retryAfter))

	client := newClientWith(baseURL, apiKey, retryingHTTPClient())
	for _, c := range []struct {
		status, times int
		wait          time.Duration
	}{{429, 2, retryAfter}, {503, 1, time.Second}} {
		started := time.Now()
		res := must(client.ListJobsWithResponse(ctx, project, params, once(c.status, c.times)...))
		waited := time.Since(started)
		expect(res.JSON200 != nil && len(res.JSON200.Data) == 1, "after retries: expected one job, got HTTP %d: %s", res.StatusCode(), res.Body)
		expect(waited >= time.Duration(c.times)*c.wait, "answered after %s, sooner than %d x Retry-After %s", waited, c.times, c.wait)
		done = append(done, fmt.Sprintf("ListJobsWithResponse with Prefer: code=%d, times=%d -> 200 after %.1f s (>= %d x %s)", c.status, c.times, waited.Seconds(), c.times, c.wait))
	}

	last := must(client.ListJobsWithResponse(ctx, project, params, once(503, 9)...))
	expectProblem("listJobs answered 503 more often than retried", last.StatusCode(), last.Body, last.ApplicationproblemJSON503, 503, "unavailable")
	done = append(done, "ListJobsWithResponse with Prefer: code=503, times=9 -> the last 503, parsed")
	return done
}

func main() {
	baseURL := flag.String("base-url", "", "the API's base URL, e.g. http://127.0.0.1:4010")
	apiKey := flag.String("api-key", "", "the organization API key")
	project := flag.String("project", "", "the project key")
	mode := flag.String("mode", "", "mock (Prism), server (a real server) or sandbox (jobs-api sandbox)")
	flag.Parse()
	if *baseURL == "" || *apiKey == "" || *project == "" || !slices.Contains([]string{"mock", "server", "sandbox"}, *mode) {
		fmt.Fprintln(os.Stderr, "usage: smoke --base-url URL --api-key KEY --project PROJECT_KEY --mode mock|server|sandbox")
		os.Exit(2)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()

	var done []string
	func() {
		defer func() {
			if r := recover(); r != nil {
				m, ok := r.(mismatch)
				if !ok {
					panic(r)
				}
				fmt.Fprintf(os.Stderr, "go client smoke (%s) FAILED: %s\n", *mode, m.msg)
				os.Exit(1)
			}
		}()
		if *mode == "sandbox" {
			done = sandbox(ctx, *baseURL, *apiKey, *project)
		} else {
			done = smoke(ctx, *baseURL, *apiKey, *project, *mode)
		}
	}()
	for _, line := range done {
		fmt.Printf("  ok  %s\n", line)
	}
	fmt.Printf("go client smoke (%s): %d checks passed\n", *mode, len(done))
}
