//! Collection listing, built once for every resource: keyset cursor
//! pagination, `sort`, typed filters, `include_archived`, `total` and the
//! `Link` header.
//!
//! A resource declares a [`ListSpec`]: the filters it accepts and the fields it
//! sorts on, each with the SQL expression behind it. [`ListParams::parse`]
//! checks a query string against it (an unknown parameter is a 400) and yields
//! the `WHERE`, keyset and `ORDER BY` fragments for the resource's query.

use std::collections::BTreeMap;

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use chrono::{DateTime, NaiveDate};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::store::sql::{DynOrder, DynSql};

/// Default page size.
/// Why a query cannot be listed: a malformed or unknown parameter (the
/// client's mistake), or a row the page cannot describe (ours). The web
/// layer turns these into problem details.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ListError {
    Query(String),
    Internal(String),
}

impl std::fmt::Display for ListError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ListError::Query(m) | ListError::Internal(m) => f.write_str(m),
        }
    }
}

pub type ListResult<T> = Result<T, ListError>;

impl From<serde_json::Error> for ListError {
    fn from(e: serde_json::Error) -> ListError {
        ListError::Internal(format!("a page's cursor: {e}"))
    }
}

pub const DEFAULT_LIMIT: i64 = 50;
/// Largest page size.
pub const MAX_LIMIT: i64 = 500;

/// How the value of a sort field is compared in SQL.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SortType {
    Text,
    Int,
    Numeric,
    Date,
    Timestamp,
}

impl SortType {
    fn cast(self) -> &'static str {
        match self {
            SortType::Text => "text",
            SortType::Int => "int8",
            SortType::Numeric => "numeric",
            SortType::Date => "date",
            SortType::Timestamp => "timestamptz",
        }
    }
}

/// A field a list can be sorted on. `name` is the field's name in the
/// response items; `sql` the expression behind it.
#[derive(Debug, Clone, Copy)]
pub struct SortField {
    pub name: &'static str,
    pub sql: &'static str,
    pub ty: SortType,
    pub nullable: bool,
    /// Where the cursor reads the item's sort value: a JSON pointer into the
    /// item (`/period/starts_on`) when it is not the top-level field `name`.
    pub cursor_key: Option<&'static str>,
}

impl SortField {
    pub const fn new(name: &'static str, sql: &'static str, ty: SortType) -> SortField {
        SortField {
            name,
            sql,
            ty,
            nullable: false,
            cursor_key: None,
        }
    }
    pub const fn nullable(name: &'static str, sql: &'static str, ty: SortType) -> SortField {
        SortField {
            name,
            sql,
            ty,
            nullable: true,
            cursor_key: None,
        }
    }
    /// A field whose value sits inside the item at the JSON pointer `key`
    /// (e.g. sorting on `period` by `/period/starts_on`).
    pub const fn at(
        name: &'static str,
        sql: &'static str,
        ty: SortType,
        key: &'static str,
    ) -> SortField {
        SortField {
            name,
            sql,
            ty,
            nullable: false,
            cursor_key: Some(key),
        }
    }
}

/// What a filter parameter compares, and how its value is checked.
#[derive(Debug, Clone, Copy)]
pub enum FilterKind {
    /// Any of the comma-separated texts equals the column.
    Text(&'static str),
    /// Any of the comma-separated UUIDs equals the column.
    Uuid(&'static str),
    /// Any of the comma-separated words, each from the vocabulary, equals the column.
    Vocab(&'static str, &'static [&'static str]),
    /// `true` or `false`.
    Bool(&'static str),
    /// The column (a date) is on or after the date.
    DateFrom(&'static str),
    /// The column (a date) is on or before the date.
    DateTo(&'static str),
    /// The column (a timestamp) is at or after the date or RFC 3339 time.
    TimeFrom(&'static str),
    /// The column (a timestamp) is before the end of the date, or at or before the RFC 3339 time.
    TimeTo(&'static str),
    /// Free text: any of the columns contains it, ignoring case.
    Search(&'static [&'static str]),
    /// `sql` with every `$1` standing for the comma-separated list of UUIDs
    /// (as `uuid[]`); for links through a join table (`EXISTS (...)`).
    UuidSql(&'static str),
    /// Accepted here and interpreted by the resource itself; the value is
    /// documented as the given type.
    Manual(ManualType),
}

/// What the value of a [`FilterKind::Manual`] parameter is, for its OpenAPI schema.
#[derive(Debug, Clone, Copy)]
pub enum ManualType {
    /// Free text.
    Text,
    /// `true` or `false`.
    Bool,
    /// A date, `YYYY-MM-DD`.
    Date,
    /// A period code (`FY2009-10-Q1`).
    Period,
    /// Comma-separated words of this vocabulary.
    Words(&'static [&'static str]),
}

/// A filter parameter.
#[derive(Debug, Clone, Copy)]
pub struct Filter {
    pub name: &'static str,
    pub kind: FilterKind,
}

impl Filter {
    pub const fn new(name: &'static str, kind: FilterKind) -> Filter {
        Filter { name, kind }
    }
}

/// Everything a collection accepts.
#[derive(Debug, Clone, Copy)]
pub struct ListSpec {
    /// The table (or alias) whose `id` and `archived_at` columns the list uses.
    pub table: &'static str,
    pub filters: &'static [Filter],
    pub sorts: &'static [SortField],
    /// e.g. `"code"` or `"-at"`.
    pub default_sort: &'static str,
    /// Whether the records can be archived (and so whether `include_archived` applies).
    pub archivable: bool,
}

#[derive(Debug, Serialize, Deserialize)]
struct Cursor {
    /// The sort the cursor was made for.
    s: String,
    /// The last item's sort values, as text (null for a null value).
    k: Vec<Option<String>>,
    /// The last item's id: the tie-breaker.
    i: Uuid,
}

/// Which count of the matching records a list request asked for
/// (`Prefer: count=exact` or `count=planned`, as PostgREST names them).
/// Without one a list runs no count and answers `total: null`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Count {
    /// `count(*)` over the filtered rows.
    Exact,
    /// The planner's estimate of the filtered rows (`EXPLAIN`): no scan.
    Planned,
}

impl Count {
    /// The preference's name, for `Preference-Applied`.
    pub fn as_str(self) -> &'static str {
        match self {
            Count::Exact => "count=exact",
            Count::Planned => "count=planned",
        }
    }
}

/// A parsed and checked list request.
#[derive(Debug, Clone)]
pub struct ListParams {
    spec: ListSpec,
    pub limit: i64,
    /// The count asked for, if any.
    pub count: Option<Count>,
    pub include_archived: bool,
    sort: Vec<(SortField, bool)>,
    sort_text: String,
    cursor: Option<Cursor2>,
    /// Every filter given, by name, with its raw value.
    pub filters: BTreeMap<String, String>,
    conditions: Vec<DynSql>,
}

#[derive(Debug, Clone)]
struct Cursor2 {
    keys: Vec<Option<String>>,
    id: Uuid,
}

/// Whether a cursor's key can be a value of `field`: its SQL type would
/// take it. (A null key casts to anything.)
fn key_fits(field: &SortField, key: Option<&str>) -> bool {
    let Some(key) = key else {
        return true;
    };
    if key.contains('\0') {
        return false;
    }
    match field.ty {
        SortType::Text => true,
        SortType::Int => key.parse::<i64>().is_ok(),
        // What PostgreSQL's numeric input takes, less NaN and infinities.
        SortType::Numeric => {
            key.parse::<f64>().is_ok_and(f64::is_finite)
                && key
                    .chars()
                    .all(|c| c.is_ascii_digit() || "+-.eE".contains(c))
        }
        SortType::Date => NaiveDate::parse_from_str(key, "%Y-%m-%d").is_ok(),
        SortType::Timestamp => DateTime::parse_from_rfc3339(key).is_ok(),
    }
}

fn query_error(msg: impl Into<String>) -> ListError {
    ListError::Query(msg.into())
}

fn split_list(v: &str) -> Vec<String> {
    v.split(',')
        .map(|s| s.trim().to_string())
        .filter(|s| !s.is_empty())
        .collect()
}

/// Parses a `true`/`false` query value.
pub fn parse_bool(name: &str, v: &str) -> ListResult<bool> {
    match v {
        "true" => Ok(true),
        "false" => Ok(false),
        _ => Err(query_error(format!(
            "{name} must be true or false, not {v:?}"
        ))),
    }
}

/// Parses a `YYYY-MM-DD` query value.
pub fn parse_date(name: &str, v: &str) -> ListResult<NaiveDate> {
    NaiveDate::parse_from_str(v, "%Y-%m-%d")
        .map_err(|_| query_error(format!("{name} must be a date YYYY-MM-DD, not {v:?}")))
}

/// Parses a comma-separated list of UUIDs.
pub fn parse_uuids(name: &str, v: &str) -> ListResult<Vec<Uuid>> {
    let items = split_list(v);
    if items.is_empty() {
        return Err(query_error(format!("{name} needs at least one id")));
    }
    items
        .iter()
        .map(|s| {
            Uuid::parse_str(s).map_err(|_| query_error(format!("{name}: {s:?} is not a UUID")))
        })
        .collect()
}

fn time_bound(name: &str, v: &str, end_of_day: bool) -> ListResult<String> {
    if let Ok(t) = DateTime::parse_from_rfc3339(v) {
        return Ok(t.to_rfc3339());
    }
    let d = parse_date(name, v).map_err(|_| {
        query_error(format!(
            "{name} must be a date YYYY-MM-DD or an RFC 3339 timestamp, not {v:?}"
        ))
    })?;
    let d = if end_of_day {
        d.succ_opt().unwrap_or(d)
    } else {
        d
    };
    Ok(format!("{d}T00:00:00Z"))
}

impl ListParams {
    /// Checks the query string `q` against `spec`.
    pub fn parse(q: &str, spec: ListSpec) -> ListResult<ListParams> {
        let pairs: Vec<(String, String)> = serde_urlencoded::from_str(q)
            .map_err(|_| query_error("the query string is malformed"))?;
        let mut limit = DEFAULT_LIMIT;
        let mut include_archived = false;
        let mut sort_text = spec.default_sort.to_string();
        let mut cursor_text = None;
        let mut filters: BTreeMap<String, String> = BTreeMap::new();
        for (k, v) in pairs {
            match k.as_str() {
                "limit" => {
                    limit = v
                        .parse::<i64>()
                        .ok()
                        .filter(|n| (1..=MAX_LIMIT).contains(n))
                        .ok_or_else(|| {
                            query_error(format!(
                                "limit must be a whole number from 1 to {MAX_LIMIT}"
                            ))
                        })?;
                }
                "cursor" => cursor_text = Some(v),
                "sort" => sort_text = v,
                "include_archived" if spec.archivable => {
                    include_archived = parse_bool("include_archived", &v)?;
                }
                name => {
                    if !spec.filters.iter().any(|f| f.name == name) {
                        let mut known: Vec<&str> = spec.filters.iter().map(|f| f.name).collect();
                        known.extend(["limit", "cursor", "sort"]);
                        if spec.archivable {
                            known.push("include_archived");
                        }
                        return Err(query_error(format!(
                            "unknown query parameter {name:?}; this list accepts: {}",
                            known.join(", ")
                        )));
                    }
                    // A repeated filter means "any of", like a comma list.
                    filters
                        .entry(k.clone())
                        .and_modify(|e| {
                            e.push(',');
                            e.push_str(&v);
                        })
                        .or_insert(v);
                }
            }
        }
        let sort = parse_sort(&sort_text, &spec)?;
        let cursor = match cursor_text {
            None => None,
            Some(c) => {
                let bad =
                    || query_error("cursor is not valid for this list; start again without it");
                let bytes = URL_SAFE_NO_PAD.decode(c.as_bytes()).map_err(|_| bad())?;
                let cur: Cursor = serde_json::from_slice(&bytes).map_err(|_| bad())?;
                if cur.s != sort_text || cur.k.len() != sort.len() {
                    return Err(query_error(
                        "cursor was made for another sort order; start again without it",
                    ));
                }
                // A cursor is the client's text like any other parameter: a
                // key its sort field's type cannot hold is refused here, not
                // left to fail as a cast in SQL.
                for ((field, _), key) in sort.iter().zip(&cur.k) {
                    if !key_fits(field, key.as_deref()) {
                        return Err(bad());
                    }
                }
                Some(Cursor2 {
                    keys: cur.k,
                    id: cur.i,
                })
            }
        };
        let mut params = ListParams {
            spec,
            limit,
            count: None,
            include_archived,
            sort,
            sort_text,
            cursor,
            filters,
            conditions: Vec::new(),
        };
        params.conditions = params.standard_conditions()?;
        Ok(params)
    }

    fn standard_conditions(&self) -> ListResult<Vec<DynSql>> {
        let mut out = Vec::new();
        if self.spec.archivable && !self.include_archived {
            out.push(DynSql::raw(format!(
                "{}.archived_at IS NULL",
                self.spec.table
            )));
        }
        for f in self.spec.filters {
            let Some(v) = self.filters.get(f.name) else {
                continue;
            };
            let name = f.name;
            let cond = match f.kind {
                FilterKind::Text(col) => {
                    let items = split_list(v);
                    if items.is_empty() {
                        return Err(query_error(format!("{name} needs a value")));
                    }
                    DynSql::raw(format!("{col} = ANY(string_to_array("))
                        .bind(items.join(","))
                        .sql(", ','))")
                }
                FilterKind::Uuid(col) => {
                    let ids = parse_uuids(name, v)?;
                    DynSql::raw(format!("{col} = ANY(string_to_array("))
                        .bind(join_ids(&ids))
                        .sql(", ',')::uuid[])")
                }
                FilterKind::UuidSql(sql) => {
                    let ids = parse_uuids(name, v)?;
                    let mut frag = DynSql::default();
                    let mut rest = sql;
                    while let Some(pos) = rest.find("$1") {
                        frag = frag
                            .sql(&rest[..pos])
                            .sql("string_to_array(")
                            .bind(join_ids(&ids))
                            .sql(", ',')::uuid[]");
                        rest = &rest[pos + 2..];
                    }
                    frag.sql(rest)
                }
                FilterKind::Vocab(col, words) => {
                    let items = split_list(v);
                    if items.is_empty() {
                        return Err(query_error(format!("{name} needs a value")));
                    }
                    if let Some(bad) = items.iter().find(|i| !words.contains(&i.as_str())) {
                        return Err(query_error(format!(
                            "{name}: {bad:?} is not one of {}",
                            words.join(", ")
                        )));
                    }
                    DynSql::raw(format!("{col} = ANY(string_to_array("))
                        .bind(items.join(","))
                        .sql(", ','))")
                }
                FilterKind::Bool(col) => {
                    let b = parse_bool(name, v)?;
                    DynSql::raw(format!("{col} = {b}"))
                }
                FilterKind::DateFrom(col) => {
                    let d = parse_date(name, v)?;
                    DynSql::raw(format!("{col} >= "))
                        .bind(d.to_string())
                        .sql("::date")
                }
                FilterKind::DateTo(col) => {
                    let d = parse_date(name, v)?;
                    DynSql::raw(format!("{col} <= "))
                        .bind(d.to_string())
                        .sql("::date")
                }
                FilterKind::TimeFrom(col) => DynSql::raw(format!("{col} >= "))
                    .bind(time_bound(name, v, false)?)
                    .sql("::timestamptz"),
                FilterKind::TimeTo(col) => {
                    let is_date = parse_date(name, v).is_ok();
                    let op = if is_date { "<" } else { "<=" };
                    DynSql::raw(format!("{col} {op} "))
                        .bind(time_bound(name, v, true)?)
                        .sql("::timestamptz")
                }
                FilterKind::Search(cols) => {
                    let needle = v.trim();
                    if needle.is_empty() {
                        continue;
                    }
                    let pattern = format!(
                        "%{}%",
                        needle
                            .replace('\\', "\\\\")
                            .replace('%', "\\%")
                            .replace('_', "\\_")
                    );
                    DynSql::any(
                        cols.iter()
                            .map(|c| DynSql::raw(format!("{c} ILIKE ")).bind(pattern.clone()))
                            .collect(),
                    )
                }
                FilterKind::Manual(_) => continue,
            };
            out.push(cond);
        }
        Ok(out)
    }

    /// Adds a condition of the resource's own (for `Manual` filters).
    pub fn add_condition(&mut self, cond: DynSql) {
        self.conditions.push(cond);
    }

    /// The raw value of a filter, if given.
    pub fn filter(&self, name: &str) -> Option<&str> {
        self.filters.get(name).map(String::as_str)
    }

    /// The `WHERE` condition: archive state and every filter. Use it for both
    /// the count and the page.
    pub fn where_sql(&self) -> DynSql {
        DynSql::all(self.conditions.clone())
    }

    /// The keyset condition: rows after the cursor in the chosen order.
    pub fn keyset_sql(&self) -> DynSql {
        let Some(cur) = &self.cursor else {
            return DynSql::truth();
        };
        let id_col = format!("{}.id", self.spec.table);
        let mut alternatives = Vec::new();
        let mut equal_so_far: Vec<DynSql> = Vec::new();
        for ((field, desc), key) in self.sort.iter().zip(&cur.keys) {
            let cast = field.ty.cast();
            let expr = field.sql;
            // Nulls sort last in either direction.
            let (after, equal) = match key {
                Some(v) => {
                    let op = if *desc { "<" } else { ">" };
                    let mut after = DynSql::raw(format!("({expr})::{cast} {op} "))
                        .bind(v.clone())
                        .sql(format!("::{cast}"));
                    if field.nullable {
                        after = after.or(DynSql::raw(format!("{expr} IS NULL")));
                    }
                    let equal = DynSql::raw(format!("({expr})::{cast} = "))
                        .bind(v.clone())
                        .sql(format!("::{cast}"));
                    (after, equal)
                }
                None => (DynSql::raw("FALSE"), DynSql::raw(format!("{expr} IS NULL"))),
            };
            let mut branch = equal_so_far.clone();
            branch.push(after);
            alternatives.push(DynSql::all(branch));
            equal_so_far.push(equal);
        }
        equal_so_far.push(
            DynSql::raw(format!("{id_col} > "))
                .bind(cur.id.to_string())
                .sql("::uuid"),
        );
        alternatives.push(DynSql::all(equal_so_far));
        DynSql::any(alternatives)
    }

    /// The `ORDER BY` list, ending with the id as tie-breaker.
    pub fn order_sql(&self) -> DynOrder {
        let mut parts: Vec<String> = self
            .sort
            .iter()
            .map(|(f, desc)| {
                format!(
                    "({})::{} {} NULLS LAST",
                    f.sql,
                    f.ty.cast(),
                    if *desc { "DESC" } else { "ASC" }
                )
            })
            .collect();
        parts.push(format!("{}.id ASC", self.spec.table));
        DynOrder(parts.join(", "))
    }

    /// How many rows to fetch: one more than the page, to know whether there is a next one.
    pub fn fetch_limit(&self) -> i64 {
        self.limit + 1
    }

    /// Turns the fetched rows (at most `fetch_limit`) into a page, with the
    /// count made (`None` when none was asked for).
    pub fn page<T: Serialize>(&self, mut items: Vec<T>, total: Option<i64>) -> ListResult<Page<T>> {
        let more = items.len() as i64 > self.limit;
        items.truncate(self.limit as usize);
        let next_cursor = match (more, items.last()) {
            (true, Some(last)) => Some(self.cursor_after(last)?),
            _ => None,
        };
        Ok(Page {
            items,
            next_cursor,
            total,
            counted: self.count.filter(|_| total.is_some()),
        })
    }

    fn cursor_after<T: Serialize>(&self, item: &T) -> ListResult<String> {
        let v = serde_json::to_value(item)?;
        let id = v
            .get("id")
            .and_then(|i| i.as_str())
            .and_then(|s| Uuid::parse_str(s).ok())
            .ok_or_else(|| ListError::Internal("list item without id".into()))?;
        let k = self
            .sort
            .iter()
            .map(
                |(f, _)| match f.cursor_key.map_or_else(|| v.get(f.name), |k| v.pointer(k)) {
                    None | Some(serde_json::Value::Null) => None,
                    Some(serde_json::Value::String(s)) => Some(s.clone()),
                    Some(other) => Some(other.to_string()),
                },
            )
            .collect();
        let cur = Cursor {
            s: self.sort_text.clone(),
            k,
            i: id,
        };
        Ok(URL_SAFE_NO_PAD.encode(serde_json::to_vec(&cur)?))
    }
}

fn join_ids(ids: &[Uuid]) -> String {
    ids.iter()
        .map(Uuid::to_string)
        .collect::<Vec<_>>()
        .join(",")
}

fn parse_sort(text: &str, spec: &ListSpec) -> ListResult<Vec<(SortField, bool)>> {
    let mut out: Vec<(SortField, bool)> = Vec::new();
    if text.is_empty() {
        return Err(query_error("sort needs at least one field"));
    }
    // Exactly the documented form, `field,-other`: nothing trimmed or skipped.
    for part in text.split(',') {
        let (name, desc) = match part.strip_prefix('-') {
            Some(n) => (n, true),
            None => (part, false),
        };
        let field = spec.sorts.iter().find(|f| f.name == name).ok_or_else(|| {
            let names: Vec<&str> = spec.sorts.iter().map(|f| f.name).collect();
            query_error(format!(
                "cannot sort on {name:?}; this list sorts on: {}",
                names.join(", ")
            ))
        })?;
        // A field named again adds nothing to the order (as in SQL's
        // `ORDER BY a, a DESC`): the first mention decides.
        if !out.iter().any(|(f, _)| f.name == name) {
            out.push((*field, desc));
        }
    }
    Ok(out)
}

/// One page of a collection.
#[derive(Debug, Serialize)]
pub struct Page<T> {
    pub items: Vec<T>,
    pub next_cursor: Option<String>,
    pub total: Option<i64>,
    /// The count made, for `Preference-Applied`.
    #[serde(skip)]
    pub counted: Option<Count>,
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    const SPEC: ListSpec = ListSpec {
        table: "t",
        filters: &[
            Filter::new("kind", FilterKind::Vocab("t.kind", &["a", "b"])),
            Filter::new("q", FilterKind::Search(&["t.name"])),
        ],
        sorts: &[
            SortField::new("code", "t.code", SortType::Text),
            SortField::nullable("due_on", "t.due_on", SortType::Date),
        ],
        default_sort: "code",
        archivable: true,
    };

    #[test]
    fn unknown_filter_is_refused() {
        let err = ListParams::parse("colour=red", SPEC).unwrap_err();
        assert!(err.to_string().contains("unknown query parameter"));
    }

    #[test]
    fn unknown_sort_field_is_refused() {
        assert!(ListParams::parse("sort=-colour", SPEC).is_err());
        assert!(ListParams::parse("sort=-due_on,code", SPEC).is_ok());
    }

    #[test]
    fn sort_is_exactly_the_documented_form() {
        assert!(ListParams::parse("sort=", SPEC).is_err());
        assert!(ListParams::parse("sort=code,", SPEC).is_err());
        assert!(ListParams::parse("sort=code,%20due_on", SPEC).is_err());
        assert!(ListParams::parse("sort=%2Bcode", SPEC).is_err());
        let p = ListParams::parse("sort=code,-code,due_on", SPEC).unwrap();
        assert_eq!(p.sort.len(), 2, "a repeated field adds nothing");
        assert!(!p.sort[0].1, "the first mention decides");
    }

    #[test]
    fn vocabulary_is_checked() {
        assert!(ListParams::parse("kind=a,b", SPEC).is_ok());
        assert!(ListParams::parse("kind=c", SPEC).is_err());
    }

    #[test]
    fn limit_is_bounded() {
        assert!(ListParams::parse("limit=0", SPEC).is_err());
        assert!(ListParams::parse("limit=501", SPEC).is_err());
        assert_eq!(ListParams::parse("limit=500", SPEC).unwrap().limit, 500);
    }

    #[test]
    fn cursor_round_trips_and_is_tied_to_its_sort() {
        #[derive(Serialize)]
        struct Item {
            id: Uuid,
            code: String,
            due_on: Option<String>,
        }
        let p = ListParams::parse("limit=1", SPEC).unwrap();
        let items = vec![
            Item {
                id: Uuid::nil(),
                code: "A".into(),
                due_on: None,
            },
            Item {
                id: Uuid::nil(),
                code: "B".into(),
                due_on: None,
            },
        ];
        let page = p.page(items, Some(2)).unwrap();
        let cursor = page.next_cursor.unwrap();
        assert!(ListParams::parse(&format!("cursor={cursor}"), SPEC).is_ok());
        assert!(ListParams::parse(&format!("cursor={cursor}&sort=-code"), SPEC).is_err());
        assert!(ListParams::parse("cursor=garbage", SPEC).is_err());
    }
}
