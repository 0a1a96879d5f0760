// Command check proves that a Go server generated from the spec with oapi-codegen's defaults
// (scripts/clients.mjs --lang go-server: types, std-http-server and strict-server, no
// compatibility option) answers every required field of a Job, `errors: null` included. With
// readOnly on the Job's fields (release 1.0.0), oapi-codegen's defaults made them optional
// pointers with omitempty, and such a server dropped `errors` from every job that had not failed.
//
//	go run . --spec ../../../generated/openapi.json
//
// Exits 0 when every answer carries every field the spec's Job requires, 1 naming what is missing.
package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"slices"

	"openreplay.example.com/jobsapiserver"
)

// server answers each operation with a job built from its required fields only; errors stays
// nil, as for every job that has not failed.
type server struct{}

func job(status jobsapiserver.JobStatus) jobsapiserver.Job {
	return jobsapiserver.Job{
		JobId:       3457,
		Description: "Delete user sessions of userId = shekar@example.com",
		Status:      status,
		ProjectId:   1,
		Action:      jobsapiserver.JobAction("delete_user_data"),
		ReferenceId: "shekar@example.com",
		CreatedAt:   1623974405000,
		UpdatedAt:   1623974405000,
		StartAt:     1624060800000,
	}
}

func (server) ListJobs(context.Context, jobsapiserver.ListJobsRequestObject) (jobsapiserver.ListJobsResponseObject, error) {
	return jobsapiserver.ListJobs200JSONResponse{Body: jobsapiserver.JobListResponse{Data: []jobsapiserver.Job{job("scheduled")}}}, nil
}

func (server) GetJob(context.Context, jobsapiserver.GetJobRequestObject) (jobsapiserver.GetJobResponseObject, error) {
	return jobsapiserver.GetJob200JSONResponse{Body: jobsapiserver.JobResponse{Data: job("running")}}, nil
}

func (server) CancelJob(context.Context, jobsapiserver.CancelJobRequestObject) (jobsapiserver.CancelJobResponseObject, error) {
	return jobsapiserver.CancelJob200JSONResponse{Body: jobsapiserver.CancelledJobResponse{Data: job("cancelled")}}, nil
}

func (server) DeleteUserData(context.Context, jobsapiserver.DeleteUserDataRequestObject) (jobsapiserver.DeleteUserDataResponseObject, error) {
	return jobsapiserver.DeleteUserData200JSONResponse{Body: jobsapiserver.PendingJobResponse{Data: job("scheduled")}}, nil
}

// requiredJobFields reads the Job schema's `required` list from the bundled spec.
func requiredJobFields(specPath string) ([]string, error) {
	raw, err := os.ReadFile(specPath)
	if err != nil {
		return nil, err
	}
	var spec struct {
		Components struct {
			Schemas map[string]struct {
				Required []string `json:"required"`
			} `json:"schemas"`
		} `json:"components"`
	}
	if err := json.Unmarshal(raw, &spec); err != nil {
		return nil, err
	}
	required := spec.Components.Schemas["Job"].Required
	if len(required) == 0 {
		return nil, fmt.Errorf("%s: components.schemas.Job has no required fields", specPath)
	}
	return required, nil
}

// jobsOf returns the job objects of an answer body: {"data": {...}} or {"data": [{...}]}.
func jobsOf(body []byte) ([]map[string]json.RawMessage, error) {
	var one struct {
		Data map[string]json.RawMessage `json:"data"`
	}
	if err := json.Unmarshal(body, &one); err == nil && one.Data != nil {
		return []map[string]json.RawMessage{one.Data}, nil
	}
	var list struct {
		Data []map[string]json.RawMessage `json:"data"`
	}
	if err := json.Unmarshal(body, &list); err != nil {
		return nil, err
	}
	return list.Data, nil
}

func check(baseURL string, required []string) []string {
	var failures []string
	calls := []struct{ method, path string }{
		{http.MethodGet, "/api/v1/3sWXSsqHgSKnE87YkNJK/jobs"},
		{http.MethodGet, "/api/v1/3sWXSsqHgSKnE87YkNJK/jobs/3457"},
		{http.MethodDelete, "/api/v1/3sWXSsqHgSKnE87YkNJK/jobs/3457"},
		{http.MethodDelete, "/api/v1/3sWXSsqHgSKnE87YkNJK/users/shekar@example.com"},
	}
	for _, call := range calls {
		what := call.method + " " + call.path
		req, _ := http.NewRequest(call.method, baseURL+call.path, nil)
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			failures = append(failures, fmt.Sprintf("%s: %v", what, err))
			continue
		}
		body, _ := io.ReadAll(res.Body)
		res.Body.Close()
		if res.StatusCode != http.StatusOK {
			failures = append(failures, fmt.Sprintf("%s: HTTP %d: %s", what, res.StatusCode, body))
			continue
		}
		jobs, err := jobsOf(body)
		if err != nil || len(jobs) == 0 {
			failures = append(failures, fmt.Sprintf("%s: no job in %s", what, body))
			continue
		}
		for _, job := range jobs {
			for _, field := range required {
				if _, present := job[field]; !present {
					failures = append(failures, fmt.Sprintf("%s: the job has no %q: %s", what, field, body))
				}
			}
			if errors, present := job["errors"]; present && string(errors) != "null" {
				failures = append(failures, fmt.Sprintf("%s: errors is %s, not null", what, errors))
			}
		}
	}
	return failures
}

func main() {
	specPath := flag.String("spec", "", "the bundled spec (generated/openapi.json)")
	flag.Parse()
	if *specPath == "" {
		fmt.Fprintln(os.Stderr, "usage: check --spec generated/openapi.json")
		os.Exit(2)
	}
	required, err := requiredJobFields(*specPath)
	if err != nil {
		fmt.Fprintln(os.Stderr, "go server check:", err)
		os.Exit(1)
	}
	httpServer := httptest.NewServer(jobsapiserver.Handler(jobsapiserver.NewStrictHandler(server{}, nil)))
	defer httpServer.Close()
	failures := check(httpServer.URL, required)
	if len(failures) > 0 {
		for _, failure := range slices.Compact(failures) {
			fmt.Fprintln(os.Stderr, "  FAILED", failure)
		}
		fmt.Fprintf(os.Stderr, "go server check: %d failure(s)\n", len(failures))
		os.Exit(1)
	}
	fmt.Printf("go server check: 4 operations answer every required Job field (%d), errors: null included\n", len(required))
}
