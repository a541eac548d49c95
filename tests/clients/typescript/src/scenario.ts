// A partner system's view of trustplan, written only against the types that
// openapi-typescript generates from openapi/openapi.json, with openapi-fetch
// as the runtime. ../run.sh generates ../generated/api.d.ts, compiles this
// with `tsc --strict` and runs it with node against a served app with the
// demo data loaded. Any unexpected status ends it with a non-zero exit.
//
// Env: BASE_URL (e.g. http://127.0.0.1:8091), TRUSTPLAN_ADMIN_TOKEN.

import createClient from "openapi-fetch";
import type { components, paths } from "../generated/api.js";

type Schemas = components["schemas"];
type Milestone = Schemas["Milestone"];
type DeliverableStatus = Schemas["DeliverableStatus"];
type ErrorBody = Schemas["ErrorBody"];
type ProgressUpdate = Schemas["ProgressUpdate"];
type IndicatorPerformance = Schemas["IndicatorPerformance"];

class ScenarioError extends Error {}

function env(name: string): string {
    const value = process.env[name];
    if (value === undefined || value === "") {
        throw new ScenarioError(`${name} is not set`);
    }
    return value;
}

function check(condition: boolean, what: string): asserts condition {
    if (!condition) {
        throw new ScenarioError(`check failed: ${what}`);
    }
}

function describeProblem(problem: ErrorBody | undefined): string {
    if (problem === undefined) {
        return "(no problem body)";
    }
    const fields = (problem.errors ?? []).map((e) => `${e.pointer}: ${e.message}`).join("; ");
    return `${problem.type} ${problem.title}${problem.detail ? `: ${problem.detail}` : ""}${fields ? ` [${fields}]` : ""}`;
}

/** The data of a response that must have one of the expected statuses. */
function expectOk<T>(
    step: string,
    result: { data?: T; error?: ErrorBody; response: Response },
    expected: number,
): T {
    const { data, error, response } = result;
    if (response.status !== expected || data === undefined) {
        throw new ScenarioError(
            `${step}: expected ${expected}, got ${response.status} ${describeProblem(error)}`,
        );
    }
    console.log(`ok   ${step}: ${response.status}`);
    return data;
}

/** The problem body of a response that must fail with the expected status. */
function expectProblem(
    step: string,
    result: { data?: unknown; error?: ErrorBody; response: Response },
    expected: number,
): ErrorBody {
    const { error, response } = result;
    if (response.status !== expected || error === undefined) {
        throw new ScenarioError(`${step}: expected ${expected}, got ${response.status}`);
    }
    const contentType = response.headers.get("Content-Type") ?? "";
    check(contentType.startsWith("application/problem+json"), `${step}: Content-Type ${contentType}`);
    check(error.status === expected, `${step}: problem status ${error.status} = ${expected}`);
    check(error.type.startsWith("urn:trustplan:problem:"), `${step}: problem type ${error.type}`);
    console.log(`ok   ${step}: ${response.status} ${error.type}`);
    return error;
}

function etagOf(step: string, response: Response): string {
    const etag = response.headers.get("ETag");
    check(etag !== null && /^"\d+"$/.test(etag), `${step}: strong numeric ETag, got ${etag}`);
    return etag;
}

async function main(): Promise<void> {
    const baseUrl = env("BASE_URL").replace(/\/+$/, "");
    const token = env("TRUSTPLAN_ADMIN_TOKEN");
    const api = createClient<paths>({
        baseUrl,
        headers: { Authorization: `Bearer ${token}` },
        // The spec's list filters are `style: form, explode: false`: `status=a,b`.
        querySerializer: { array: { style: "form", explode: false } },
    });

    // 1. A page of the milestones that are not finished, counted.
    const wanted: DeliverableStatus[] = ["not_started", "on_track", "at_risk"];
    const page = expectOk(
        "GET /api/v1/milestones?status=not_started,on_track,at_risk&limit=5",
        await api.GET("/api/v1/milestones", {
            params: {
                query: { status: wanted, limit: 5, sort: "code" },
                header: { Prefer: "count=exact" },
            },
        }),
        200,
    );
    check(page.items.length > 0 && page.items.length <= 5, `1..5 items, got ${page.items.length}`);
    for (const m of page.items) {
        check(wanted.includes(m.status), `${m.code} has a wanted status, got ${m.status}`);
    }
    check(typeof page.total === "number" && page.total >= page.items.length, `total counted: ${page.total}`);
    const first: Milestone | undefined = page.items[0];
    check(first !== undefined, "a first milestone");
    console.log(`     ${page.total} milestones match; first ${first.code} (${first.status}), fy ${first.financial_year.code}`);

    // 2. Read it for its ETag.
    const path = { id: first.id };
    const read = await api.GET("/api/v1/milestones/{id}", { params: { path } });
    const before = expectOk(`GET /api/v1/milestones/${first.code}`, read, 200);
    const etag = etagOf("GET milestone", read.response);
    check(etag === `"${before.version}"`, `ETag ${etag} is the version ${before.version}`);

    // 3. A JSON merge patch of its notes, with If-Match.
    const notes = `Checked by the TypeScript client scenario at ${new Date().toISOString()}.`;
    const patched = await api.PATCH("/api/v1/milestones/{id}", {
        params: { path, header: { "If-Match": etag } },
        body: { notes },
        headers: { "Content-Type": "application/merge-patch+json" },
    });
    const after = expectOk(`PATCH /api/v1/milestones/${first.code} (If-Match ${etag})`, patched, 200);
    check(after.notes === notes, "the notes were changed");
    check(after.version === before.version + 1, `version ${before.version} -> ${after.version}`);
    const newEtag = etagOf("PATCH milestone", patched.response);
    check(newEtag === `"${after.version}"`, `new ETag ${newEtag}`);

    // 4. The same patch with the now stale ETag is refused, not lost.
    expectProblem(
        "PATCH with a stale If-Match",
        await api.PATCH("/api/v1/milestones/{id}", {
            params: { path, header: { "If-Match": etag } },
            body: { notes: "must not be written" },
            headers: { "Content-Type": "application/merge-patch+json" },
        }),
        412,
    );

    // 5. A progress update must name a quarter: a year is a 422 naming the field.
    const invalid = expectProblem(
        "POST an update for a year, not a quarter",
        await api.POST("/api/v1/milestones/{id}/updates", {
            params: { path },
            body: { period: "FY2009-10", status: "on_track" },
        }),
        422,
    );
    check((invalid.errors ?? []).some((e) => e.pointer === "/period"), `errors name /period: ${describeProblem(invalid)}`);

    // 6. A progress update for a quarter that has started sets the status.
    const status: DeliverableStatus = after.status === "on_track" ? "at_risk" : "on_track";
    const update = expectOk(
        `POST /api/v1/milestones/${first.code}/updates (FY2009-10-Q2, ${status})`,
        await api.POST("/api/v1/milestones/{id}/updates", {
            params: { path },
            body: {
                period: "FY2009-10-Q2",
                status,
                commentary: "Reported by the TypeScript client scenario.",
            },
        }),
        201,
    );
    check(update.status === status, `update status ${update.status}`);
    check(update.period.code === "FY2009-10-Q2", `update period ${update.period.code}`);
    check(update.period.type === "financial_quarter", `period type ${update.period.type}`);
    // The update for the latest period that has started (entry time breaking ties) is the
    // status: the new one, unless another client reported on a later quarter meanwhile.
    const updates = expectOk(
        `GET /api/v1/milestones/${first.code}/updates`,
        await api.GET("/api/v1/milestones/{id}/updates", { params: { path, query: { limit: 500 } } }),
        200,
    );
    check(updates.items.some((u) => u.id === update.id), "the new update is listed");
    const today = new Date().toISOString().slice(0, 10);
    const governing = updates.items
        .filter((u) => u.period.starts_on <= today)
        .reduce<ProgressUpdate | undefined>(
            (best, u) =>
                best === undefined ||
                u.period.starts_on > best.period.starts_on ||
                (u.period.starts_on === best.period.starts_on && u.created_at > best.created_at)
                    ? u
                    : best,
            undefined,
        );
    check(governing !== undefined, "an update that governs the status");
    if (governing.id !== update.id) {
        console.log(`     (an update for the later ${governing.period.code} governs the status)`);
    }
    const now = expectOk(
        `GET /api/v1/milestones/${first.code} after the update`,
        await api.GET("/api/v1/milestones/{id}", { params: { path } }),
        200,
    );
    check(now.status === governing.status, `milestone status ${now.status} = ${governing.status} of ${governing.period.code}`);
    check(now.latest_update?.id === governing.id, "the milestone's latest_update is that update");

    // 7. The quarterly monitoring table (one page of 500, counted), and one
    // indicator's performance.
    const period = "FY2009-10-Q1";
    const report = expectOk(
        `GET /api/v1/performance?period=${period}&limit=500`,
        await api.GET("/api/v1/performance", {
            params: { query: { period, limit: 500 }, header: { Prefer: "count=exact" } },
        }),
        200,
    );
    check(report.period.code === period, `report period ${report.period.code}`);
    check(report.items.length > 0 && report.items.length === report.total, `items ${report.items.length} = total ${report.total}`);
    check(report.next_cursor === null, "one page holds the demo's indicators");
    const counts = report.counts;
    console.log(`     ${period}: ${report.total} indicators; counts ${JSON.stringify(counts)}`);
    const assessed: IndicatorPerformance | undefined =
        report.items.find((i) => i.rag === "green" || i.rag === "amber" || i.rag === "red") ?? report.items[0];
    check(assessed !== undefined, "an indicator in the report");
    // The report shows an indicator not collected quarterly for its latest
    // completed period, which it names: ask for that one.
    const shown = assessed.period.code;
    const one = expectOk(
        `GET /api/v1/indicators/${assessed.indicator.ref}/performance?period=${shown}`,
        await api.GET("/api/v1/indicators/{id}/performance", {
            params: { path: { id: assessed.indicator.id }, query: { period: shown } },
        }),
        200,
    );
    check(one.indicator.id === assessed.indicator.id, "the same indicator");
    check(one.rag === assessed.rag, `rag ${one.rag} = ${assessed.rag} in the report`);
    check(one.explanation.length > 0, "an explanation");
    const actual = one.actual === null || one.actual === undefined ? "no actual" : `actual ${one.actual}`;
    console.log(`     ${one.indicator.ref} ${shown}: ${one.rag} (${actual}; ${one.explanation})`);
}

main().then(
    () => {
        console.log("typescript scenario: all steps passed");
    },
    (e: unknown) => {
        console.error(e instanceof ScenarioError ? `FAILED: ${e.message}` : e);
        process.exitCode = 1;
    },
);
