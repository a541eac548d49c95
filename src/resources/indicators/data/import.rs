//! Bulk import of values from CSV or JSON: all rows or none.

use super::*;

// ----------------------------------------------------------------- import

/// Query of the import.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[allow(dead_code)]
pub struct ImportQuery {
    /// `true`: check every row and report what would happen, write nothing.
    dry_run: Option<bool>,
    /// Admins only: why rows are written into periods a closed reporting
    /// cycle locks (1 to 500 characters; the audit trail keeps it). Without
    /// it such a row is an error of the import.
    reason: Option<String>,
}

/// What happened (or would happen) to one row.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema, PartialEq)]
#[serde(rename_all = "snake_case")]
pub enum RowOutcome {
    /// A new value.
    Created,
    /// An existing value replaced (the old one stays in the audit trail).
    Replaced,
}

/// One imported row.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct ImportRow {
    /// Where the row was: its line in a CSV file (the header is line 1), or
    /// its index in a JSON array (from 0).
    pub line: u64,
    pub indicator_ref: String,
    pub period: String,
    pub series: Series,
    pub breakdown: Option<String>,
    pub value: f64,
    pub outcome: RowOutcome,
}

/// The result of an import.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct ImportReport {
    /// Whether this was only a check (nothing written).
    pub dry_run: bool,
    /// Rows read (the header not counted).
    pub rows: usize,
    pub created: usize,
    pub replaced: usize,
    /// One entry per row, in file order.
    pub results: Vec<ImportRow>,
}

pub(crate) struct ParsedRow {
    line: u64,
    indicator_ref: String,
    period: Period,
    series: Series,
    breakdown: Option<String>,
    value: f64,
    note: Option<String>,
}

pub(crate) fn row_error(
    errors: &mut Vec<FieldError>,
    line: u64,
    column: &str,
    message: impl Into<String>,
) {
    errors.push(FieldError::new(
        format!("/lines/{line}/{column}"),
        format!("line {line}: {}", message.into()),
    ));
}

pub(crate) fn is_csv_media_type(req: &HttpRequest) -> bool {
    req.headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .is_some_and(|v| v.trim().eq_ignore_ascii_case("text/csv"))
}

// Reads the rows; every problem of form (bad period, series or number) is
// collected with its line. What needs the database is checked afterwards.
pub(crate) fn parse_csv(body: &[u8], errors: &mut Vec<FieldError>) -> ApiResult<Vec<ParsedRow>> {
    if let Some(at) = body.iter().position(|b| *b == 0) {
        let line = 1 + body[..at].iter().filter(|b| **b == b'\n').count() as u64;
        return Err(ApiError::field(
            format!("/lines/{line}"),
            format!("line {line}: contains a NUL byte, which no value may hold"),
        ));
    }
    if let Some(line) = crate::web::csv::unterminated_quote(body) {
        row_error(
            errors,
            line,
            "",
            "opens a quoted field that is never closed (every line after it would be read into it)",
        );
    }
    let mut reader = csv::ReaderBuilder::new()
        .flexible(true)
        .trim(csv::Trim::All)
        .from_reader(body);
    let headers = reader
        .headers()
        .map_err(|e| {
            ApiError::field(
                "/lines/1",
                format!("line 1: the header cannot be read: {e}"),
            )
        })?
        .clone();
    let names: Vec<&str> = headers.iter().collect();
    let position = |name: &str| names.iter().position(|h| *h == name);
    let unknown: Vec<&str> = names
        .iter()
        .copied()
        .filter(|h| !CSV_COLUMNS.contains(h))
        .collect();
    let missing: Vec<&str> = ["indicator_ref", "period", "series", "value"]
        .into_iter()
        .filter(|c| position(c).is_none())
        .collect();
    if !unknown.is_empty() || !missing.is_empty() {
        return Err(ApiError::field(
            "/lines/1",
            format!(
                "line 1: the header must name the columns {} (breakdown and note may be left out){}{}",
                CSV_COLUMNS.join(","),
                if missing.is_empty() { String::new() } else { format!("; missing: {}", missing.join(", ")) },
                if unknown.is_empty() { String::new() } else { format!("; unknown: {}", unknown.join(", ")) },
            ),
        ));
    }
    let mut rows = Vec::new();
    for record in reader.records() {
        let record = match record {
            Ok(r) => r,
            Err(e) => {
                let line = e.position().map_or(0, |p| p.line());
                row_error(errors, line, "", format!("cannot be read: {e}"));
                continue;
            }
        };
        let line = record.position().map_or(0, |p| p.line());
        if record.iter().all(str::is_empty) {
            continue;
        }
        if record.len() != names.len() {
            row_error(
                errors,
                line,
                "",
                format!(
                    "has {} fields; the header has {}",
                    record.len(),
                    names.len()
                ),
            );
            continue;
        }
        let get = |name: &str| {
            position(name)
                .and_then(|i| record.get(i))
                .map_or("", crate::web::csv::restore)
        };
        let value = get("value");
        let raw = RawRow {
            indicator_ref: get("indicator_ref"),
            period: get("period"),
            series: get("series"),
            breakdown: get("breakdown"),
            value: value.parse::<f64>().map_err(|_| value.to_string()),
            note: get("note"),
        };
        if let Some(row) = check_row(errors, line, raw) {
            rows.push(row);
        }
    }
    Ok(rows)
}

/// One row as read, before it is checked: the CSV's fields or a JSON row's.
pub(crate) struct RawRow<'a> {
    indicator_ref: &'a str,
    period: &'a str,
    series: &'a str,
    breakdown: &'a str,
    /// The number, or the text that is not one.
    value: Result<f64, String>,
    note: &'a str,
}

/// Checks one row's form, the same for CSV and JSON; every problem is
/// collected with its line (or index).
pub(crate) fn check_row(errors: &mut Vec<FieldError>, line: u64, raw: RawRow) -> Option<ParsedRow> {
    let before = errors.len();
    let indicator_ref = raw.indicator_ref.to_string();
    if indicator_ref.is_empty() {
        row_error(errors, line, "indicator_ref", "indicator_ref is empty");
    }
    let period = Period::parse(raw.period)
        .map_err(|e| row_error(errors, line, "period", e.to_string()))
        .ok();
    let series = Series::parse(raw.series);
    if series.is_none() {
        row_error(
            errors,
            line,
            "series",
            format!(
                "{:?} is not a series; expected one of {}",
                raw.series,
                Series::WORDS.join(", ")
            ),
        );
    }
    let value = match raw.value {
        Ok(v) if v.is_finite() && v.abs() <= MAX_FIGURE => Some(v),
        Ok(v) if v.is_finite() => {
            row_error(
                errors,
                line,
                "value",
                format!("{v} is not between -10^15 and 10^15"),
            );
            None
        }
        Ok(v) => {
            row_error(errors, line, "value", format!("{v} is not a number"));
            None
        }
        Err(text) => {
            row_error(errors, line, "value", format!("{text:?} is not a number"));
            None
        }
    };
    if let (Some(p), Some(s)) = (&period, series) {
        // Imported figures are actuals (status provisional).
        if let Some(why) = ahead_of_time(p, s, ValueStatus::Provisional) {
            row_error(errors, line, "period", why);
        }
    }
    let breakdown = Some(raw.breakdown.to_string()).filter(|b| !b.is_empty());
    if breakdown.as_ref().is_some_and(|b| b.chars().count() > 200) {
        row_error(errors, line, "breakdown", "may be at most 200 characters");
    }
    let note = Some(raw.note.to_string()).filter(|n| !n.is_empty());
    if note.as_ref().is_some_and(|n| n.chars().count() > 2000) {
        row_error(errors, line, "note", "may be at most 2000 characters");
    }
    if errors.len() > before {
        return None;
    }
    Some(ParsedRow {
        line,
        indicator_ref,
        period: period?,
        series: series?,
        breakdown,
        value: value?,
        note,
    })
}

/// One row of an import sent as JSON: the CSV's columns as fields.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ImportRowInput {
    /// The indicator's `ref`, e.g. `NI59`.
    pub indicator_ref: String,
    /// The period code, e.g. `FY2009-10-Q1`.
    pub period: String,
    /// Whose figure: `area`, `national`, `statistical_neighbours`, ...
    #[schema(value_type = Series)]
    pub series: String,
    /// The sub-group (e.g. `care_leavers`); absent or null for the whole population.
    #[serde(default)]
    pub breakdown: Option<String>,
    /// The figure.
    pub value: f64,
    /// A note on the figure.
    #[serde(default)]
    pub note: Option<String>,
}

/// An import sent as JSON. The rows sit in an object rather than a bare
/// array: generated clients (openapi-python-client) cannot send a bare
/// array where the same operation also takes a file.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ImportRequest {
    /// The rows, as the CSV's lines would give them.
    pub rows: Vec<ImportRowInput>,
}

// The rows of a JSON import, numbered by their index in the array.
pub(crate) fn parse_json_rows(
    body: &[u8],
    errors: &mut Vec<FieldError>,
) -> ApiResult<Vec<ParsedRow>> {
    let input: ImportRequest = crate::web::http::parse_json(body)?;
    let mut rows = Vec::with_capacity(input.rows.len());
    for (i, r) in input.rows.iter().enumerate() {
        let raw = RawRow {
            indicator_ref: &r.indicator_ref,
            period: &r.period,
            series: &r.series,
            breakdown: r.breakdown.as_deref().unwrap_or(""),
            value: Ok(r.value),
            note: r.note.as_deref().unwrap_or(""),
        };
        if let Some(row) = check_row(errors, i as u64, raw) {
            rows.push(row);
        }
    }
    Ok(rows)
}

/// A row error's pointer and message as a JSON import names them: the
/// row's index (`/rows/3/value`, "row 3: ...") instead of its CSV line.
pub(crate) fn as_json_row_error(e: FieldError) -> FieldError {
    let pointer = match e.pointer.strip_prefix("/lines") {
        Some(rest) => format!("/rows{rest}"),
        None => e.pointer.clone(),
    };
    let message = match e.message.strip_prefix("line ") {
        Some(rest) => format!("row {rest}"),
        None => e.message,
    };
    FieldError::new(pointer, message)
}

/// Import values from CSV or JSON
///
/// Contributors (for indicators their organisation leads), editors and
/// admins. The body is `text/csv` with a header line naming the columns
/// `indicator_ref,period,series,breakdown,value,note` (`breakdown` and `note`
/// may be left out or empty), or `application/json`: `{"rows": [...]}`, the
/// same rows as objects. Each row creates or replaces one value, as
/// `PUT .../values/{series}/{period}` would, with status `provisional`.
///
/// All rows are applied in one transaction or none: any invalid row (unknown
/// ref, bad period, series or number, a percentage outside 0–100, an
/// indicator the caller may not report on, a validated value a contributor
/// may not replace, a row repeating an earlier one) makes the answer a 422
/// whose `errors` name every rejected row (CSV: `/lines/{line}/{column}`,
/// lines counted from the header as line 1; JSON: `/rows/{index}/{field}`), and
/// nothing is written. With
/// `dry_run=true` the rows are checked and the report says what would
/// happen, but nothing is written.
#[utoipa::path(
    tag = "indicators",
    params(ImportQuery),
    request_body(
        description = "The rows: CSV with a header line, or the same rows in JSON",
        content(
            (String = "text/csv", example = "indicator_ref,period,series,breakdown,value,note\nNI59,FY2009-10-Q1,area,,90.2,\n"),
            (ImportRequest = "application/json", example = json!({"rows": [{"indicator_ref": "NI59", "period": "FY2009-10-Q1", "series": "area", "breakdown": null, "value": 90.2, "note": null}]})),
        )
    ),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Every row applied (or, on a dry run, valid)", body = ImportReport),
        (status = 400, description = "Malformed query", body = ErrorBody),
        (status = 403, description = "Not a contributor, editor or admin", body = ErrorBody),
        (status = 413, description = "Body over `IMPORT_MAX_BYTES` (32 MiB unless configured)", body = ErrorBody),
        (status = 415, description = "Body is neither text/csv nor application/json", body = ErrorBody),
        (status = 422, description = "Invalid rows, one error per problem with its line; nothing written", body = ErrorBody),
    )
)]
#[post("/values/import")]
pub async fn import_values(
    req: HttpRequest,
    ctx: Ctx,
    state: web::Data<AppState>,
    payload: web::Payload,
) -> ApiResult<HttpResponse> {
    ctx.require(Role::Contributor)?;
    let mut dry_run = false;
    let pairs: Vec<(String, String)> = serde_urlencoded::from_str(req.query_string())
        .map_err(|_| ApiError::InvalidQuery("the query string is malformed".into()))?;
    for (k, v) in pairs {
        match k.as_str() {
            "dry_run" => dry_run = crate::store::listing::parse_bool("dry_run", &v)?,
            // Read by the lock check.
            "reason" => {}
            other => {
                return Err(ApiError::InvalidQuery(format!(
                    "unknown query parameter {other:?}; this accepts: dry_run, reason"
                )))
            }
        }
    }
    let json = crate::web::http::is_json_media_type(&req);
    if !json && !is_csv_media_type(&req) {
        return Err(ApiError::UnsupportedMediaType(
            "the body must be text/csv or application/json".into(),
        ));
    }
    let body = crate::web::http::read_body(payload, state.config.import_max_bytes).await?;
    let mut errors = Vec::new();
    let rows = if json {
        parse_json_rows(&body, &mut errors)?
    } else {
        parse_csv(&body, &mut errors)?
    };
    let mut conn = state.conn().await?;
    let mut actor = ctx.actor();
    let user = ctx.user.clone();
    let pass = crate::resources::reporting::LockPass::of(&req, &ctx.user)?;
    let report = conn
        .transaction::<ImportReport, ApiError, _>(async move |conn| {
            let mut refs: Vec<String> = rows.iter().map(|r| r.indicator_ref.clone()).collect();
            refs.sort();
            refs.dedup();
            let indicators: HashMap<String, IndicatorRow> = db::find_by_codes(conn, &refs)
                .await?
                .into_iter()
                .filter(|i| i.archived_at.is_none())
                .map(|i| (i.code.clone(), i))
                .collect();
            let keys: Vec<(Uuid, String, Option<String>, String)> = rows
                .iter()
                .filter_map(|r| {
                    indicators.get(&r.indicator_ref).map(|i| {
                        (
                            i.id,
                            r.series.as_str().to_string(),
                            r.breakdown.clone(),
                            r.period.code.clone(),
                        )
                    })
                })
                .collect();
            let existing = db::find_values(conn, &keys).await?;
            let scope = ReportScope::of(&user)?;
            let leads = {
                let rows: Vec<IndicatorRow> = indicators.values().cloned().collect();
                lead_codes(conn, &scope, &rows).await?
            };
            // Rows into periods a closed reporting cycle locks, by line.
            let located: Vec<(u64, (Uuid, chrono::NaiveDate, chrono::NaiveDate))> = rows
                .iter()
                .filter_map(|r| {
                    indicators
                        .get(&r.indicator_ref)
                        .map(|i| (r.line, (i.id, r.period.starts_on, r.period.ends_on)))
                })
                .collect();
            let locked: HashMap<u64, crate::store::reporting::LockedValue> =
                crate::store::reporting::locked_values(
                    conn,
                    &located.iter().map(|l| l.1).collect::<Vec<_>>(),
                )
                .await?
                .into_iter()
                .filter_map(|l| {
                    let line = located.get(usize::try_from(l.n - 1).ok()?)?.0;
                    Some((line, l))
                })
                .collect();
            let mut seen: HashMap<(Uuid, &str, Option<&str>, &str), u64> = HashMap::new();
            let mut plan: Vec<(&ParsedRow, &IndicatorRow, Option<&ValueRow>)> = Vec::new();
            for r in &rows {
                let Some(ind) = indicators.get(&r.indicator_ref) else {
                    row_error(
                        &mut errors,
                        r.line,
                        "indicator_ref",
                        format!("no live indicator has the ref {:?}", r.indicator_ref),
                    );
                    continue;
                };
                if let Err(why) = scope.check(&ind.code, &leads_of(&leads, ind)) {
                    row_error(&mut errors, r.line, "indicator_ref", why.to_string());
                    continue;
                }
                if let Some(lock) = locked.get(&r.line) {
                    if let Err(why) =
                        pass.pass(&lock.plan_code, &lock.period, &lock.status, &mut actor)
                    {
                        row_error(&mut errors, r.line, "period", why.to_string());
                        continue;
                    }
                }
                let mut bad = Errors::new();
                check_number(&mut bad, "", &ind.unit, r.value);
                for e in bad.0 {
                    row_error(&mut errors, r.line, "value", e.message);
                }
                let key = (
                    ind.id,
                    r.series.as_str(),
                    r.breakdown.as_deref(),
                    r.period.code.as_str(),
                );
                if let Some(first) = seen.get(&key) {
                    row_error(
                        &mut errors,
                        r.line,
                        "",
                        format!("repeats the value of line {first}"),
                    );
                    continue;
                }
                seen.insert(key, r.line);
                let current = existing.iter().find(|v| {
                    v.indicator_id == ind.id
                        && v.series == r.series.as_str()
                        && v.breakdown == r.breakdown
                        && v.period == r.period.code
                });
                if let Err(why) = scope.check_value_status(
                    ValueStatus::Provisional.as_str(),
                    current.map(|v| v.status.as_str()),
                ) {
                    row_error(&mut errors, r.line, "", why.to_string());
                    continue;
                }
                plan.push((r, ind, current));
            }
            if !errors.is_empty() {
                errors.sort_by_key(|e| {
                    e.pointer
                        .split('/')
                        .nth(2)
                        .and_then(|l| l.parse::<u64>().ok())
                        .unwrap_or(0)
                });
                if json {
                    errors = errors.into_iter().map(as_json_row_error).collect();
                }
                return Err(ApiError::Validation(errors));
            }
            let mut report = ImportReport {
                dry_run,
                rows: rows.len(),
                created: 0,
                replaced: 0,
                results: Vec::with_capacity(plan.len()),
            };
            // Two statements write every row (one for the new values, one for
            // the replaced), and a third their audit entries, so an import
            // runs at the database's speed rather than a round trip a row.
            let mut inserts: Vec<(Uuid, ValueWrite)> = Vec::new();
            let mut updates: Vec<(&ValueRow, ValueWrite)> = Vec::new();
            for (r, ind, current) in &plan {
                let w = ValueWrite {
                    indicator_id: ind.id,
                    period: &r.period,
                    series: r.series.as_str(),
                    breakdown: r.breakdown.as_deref(),
                    value: r.value,
                    numerator: None,
                    denominator: None,
                    status: ValueStatus::Provisional.as_str(),
                    note: r.note.as_deref(),
                };
                match current {
                    Some(v) => {
                        report.replaced += 1;
                        updates.push((v, w));
                    }
                    None => {
                        report.created += 1;
                        inserts.push((crate::store::new_id(), w));
                    }
                }
                report.results.push(ImportRow {
                    line: r.line,
                    indicator_ref: r.indicator_ref.clone(),
                    period: r.period.code.clone(),
                    series: r.series,
                    breakdown: r.breakdown.clone(),
                    value: r.value,
                    outcome: if current.is_some() {
                        RowOutcome::Replaced
                    } else {
                        RowOutcome::Created
                    },
                });
            }
            if !dry_run {
                let inserted = db::insert_values(conn, &inserts).await?;
                let replaced = db::update_values(conn, &updates)
                    .await
                    .map_err(write::changed_meanwhile)?;
                let code_of: HashMap<Uuid, &str> = indicators
                    .values()
                    .map(|i| (i.id, i.code.as_str()))
                    .collect();
                let shown = |row: ValueRow| {
                    let code = code_of.get(&row.indicator_id).copied().unwrap_or_default();
                    IndicatorValue::from_row(row, code)
                };
                let before: HashMap<Uuid, IndicatorValue> = updates
                    .iter()
                    .map(|(v, _)| Ok((v.id, shown((*v).clone())?)))
                    .collect::<ApiResult<_>>()?;
                let after: Vec<IndicatorValue> = inserted
                    .into_iter()
                    .chain(replaced)
                    .map(shown)
                    .collect::<ApiResult<_>>()?;
                let entries: Vec<(Uuid, Option<&IndicatorValue>, Option<&IndicatorValue>)> = after
                    .iter()
                    .map(|a| (a.id, before.get(&a.id), Some(a)))
                    .collect();
                audit::record_many(conn, &actor, "value", "indicator_value", &entries).await?;
            }
            Ok(report)
        })
        .await?;
    Ok(HttpResponse::Ok().json(report))
}
