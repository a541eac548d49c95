//! Rows and queries of performance indicators, their targets, values
//! (observations) and commentary.

use chrono::{DateTime, NaiveDate, Utc};
use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use uuid::Uuid;

use super::schema::{indicator_commentary, indicator_targets, indicator_values, indicators};
use crate::store::listing::ListParams;

/// Which values or targets a query reads: the whole population's, the
/// sub-groups', or both.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Groups {
    Whole,
    SubGroups,
    All,
}

/// An indicator as stored.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = indicators, check_for_backend(diesel::pg::Pg))]
pub struct IndicatorRow {
    pub id: Uuid,
    pub code: String,
    pub kind: String,
    pub title: String,
    pub description: Option<String>,
    pub category: Option<String>,
    pub unit: String,
    pub decimals: i16,
    pub polarity: String,
    pub aggregation: String,
    pub tolerance_kind: String,
    pub tolerance_value: f64,
    pub frequency: String,
    pub key_indicator: bool,
    pub laa: bool,
    pub lead_organisation_id: Option<Uuid>,
    pub data_source: Option<String>,
    pub notes: Option<String>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub version: i32,
    pub archived_at: Option<DateTime<Utc>>,
    pub year_basis: String,
    pub oba_category: Option<String>,
    pub derivation: Option<String>,
    pub source_indicator_id: Option<Uuid>,
    pub source_series: Option<String>,
    pub source_breakdown: Option<String>,
    pub other_indicator_id: Option<Uuid>,
    pub other_series: Option<String>,
    pub other_breakdown: Option<String>,
    pub baseline_period: Option<String>,
}

/// How a derived indicator is computed from stored series (all null for an
/// indicator whose values are recorded).
#[derive(Debug, Default, Insertable)]
#[diesel(table_name = indicators)]
pub struct DerivationColumns<'a> {
    pub derivation: Option<&'a str>,
    pub source_indicator_id: Option<Uuid>,
    pub source_series: Option<&'a str>,
    pub source_breakdown: Option<&'a str>,
    pub other_indicator_id: Option<Uuid>,
    pub other_series: Option<&'a str>,
    pub other_breakdown: Option<&'a str>,
    pub baseline_period: Option<&'a str>,
}

#[derive(Debug, Insertable)]
#[diesel(table_name = indicators)]
pub struct NewIndicatorRow<'a> {
    pub id: Uuid,
    pub code: &'a str,
    pub kind: &'a str,
    pub title: &'a str,
    pub description: Option<&'a str>,
    pub category: Option<&'a str>,
    pub unit: &'a str,
    pub decimals: i16,
    pub polarity: &'a str,
    pub aggregation: &'a str,
    pub tolerance_kind: &'a str,
    pub tolerance_value: f64,
    pub frequency: &'a str,
    pub key_indicator: bool,
    pub laa: bool,
    pub lead_organisation_id: Option<Uuid>,
    pub data_source: Option<&'a str>,
    pub notes: Option<&'a str>,
    pub year_basis: &'a str,
    pub oba_category: Option<&'a str>,
    #[diesel(embed)]
    pub derived: DerivationColumns<'a>,
}

#[derive(Debug, Default, AsChangeset)]
#[diesel(table_name = indicators)]
pub struct IndicatorChanges {
    pub code: Option<String>,
    pub kind: Option<String>,
    pub title: Option<String>,
    pub description: Option<Option<String>>,
    pub category: Option<Option<String>>,
    pub unit: Option<String>,
    pub decimals: Option<i16>,
    pub polarity: Option<String>,
    pub aggregation: Option<String>,
    pub tolerance_kind: Option<String>,
    pub tolerance_value: Option<f64>,
    pub frequency: Option<String>,
    pub key_indicator: Option<bool>,
    pub laa: Option<bool>,
    pub lead_organisation_id: Option<Option<Uuid>>,
    pub data_source: Option<Option<String>>,
    pub notes: Option<Option<String>>,
    pub year_basis: Option<String>,
    pub oba_category: Option<Option<String>>,
}

pub async fn find(conn: &mut AsyncPgConnection, id: Uuid) -> QueryResult<IndicatorRow> {
    indicators::table
        .find(id)
        .select(IndicatorRow::as_select())
        .first(conn)
        .await
}

/// Finds indicators by ref (code), archived ones included, in one query.
pub async fn find_by_codes(
    conn: &mut AsyncPgConnection,
    codes: &[String],
) -> QueryResult<Vec<IndicatorRow>> {
    if codes.is_empty() {
        return Ok(Vec::new());
    }
    indicators::table
        .filter(indicators::code.eq_any(codes))
        .select(IndicatorRow::as_select())
        .load(conn)
        .await
}

/// Every indicator matching the list's filters (no paging), in one query.
pub async fn all_matching(
    conn: &mut AsyncPgConnection,
    p: &ListParams,
) -> QueryResult<Vec<IndicatorRow>> {
    indicators::table
        .filter(p.where_sql())
        .order(p.order_sql())
        .select(IndicatorRow::as_select())
        .load(conn)
        .await
}

pub async fn insert(
    conn: &mut AsyncPgConnection,
    new: &NewIndicatorRow<'_>,
) -> QueryResult<IndicatorRow> {
    diesel::insert_into(indicators::table)
        .values(new)
        .returning(IndicatorRow::as_returning())
        .get_result(conn)
        .await
}

pub async fn update(
    conn: &mut AsyncPgConnection,
    id: Uuid,
    changes: &IndicatorChanges,
) -> QueryResult<()> {
    diesel::update(indicators::table.find(id))
        .set((
            changes,
            indicators::version.eq(indicators::version + 1),
            indicators::updated_at.eq(diesel::dsl::now),
        ))
        .execute(conn)
        .await?;
    Ok(())
}

/// One page of indicators and the total under the filters.
pub async fn list(
    conn: &mut AsyncPgConnection,
    p: &ListParams,
) -> QueryResult<(Vec<IndicatorRow>, Option<i64>)> {
    crate::paged!(conn, indicators::table, IndicatorRow, p)
}

/// A target as stored.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = indicator_targets, check_for_backend(diesel::pg::Pg))]
pub struct TargetRow {
    pub id: Uuid,
    pub indicator_id: Uuid,
    pub period: String,
    pub period_starts_on: NaiveDate,
    pub period_ends_on: NaiveDate,
    pub value: f64,
    pub note: Option<String>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub version: i32,
    pub archived_at: Option<DateTime<Utc>>,
    pub breakdown: Option<String>,
}

/// The stored target of one indicator, sub-group (`None`: the whole
/// population) and period, archived or not.
pub async fn find_target(
    conn: &mut AsyncPgConnection,
    indicator_id: Uuid,
    breakdown: Option<&str>,
    period: &str,
) -> QueryResult<Option<TargetRow>> {
    let q = indicator_targets::table
        .filter(indicator_targets::indicator_id.eq(indicator_id))
        .filter(indicator_targets::period.eq(period))
        .into_boxed();
    let q = match breakdown {
        Some(b) => q.filter(indicator_targets::breakdown.eq(b.to_string())),
        None => q.filter(indicator_targets::breakdown.is_null()),
    };
    q.select(TargetRow::as_select())
        .first(conn)
        .await
        .optional()
}

/// Live targets of the given indicators for the given period codes, of the
/// given groups, in one query.
pub async fn targets_for(
    conn: &mut AsyncPgConnection,
    indicator_ids: &[Uuid],
    periods: &[String],
    groups: Groups,
) -> QueryResult<Vec<TargetRow>> {
    if indicator_ids.is_empty() || periods.is_empty() {
        return Ok(Vec::new());
    }
    let q = indicator_targets::table
        .filter(indicator_targets::indicator_id.eq_any(indicator_ids))
        .filter(indicator_targets::period.eq_any(periods))
        .filter(indicator_targets::archived_at.is_null())
        .into_boxed();
    let q = match groups {
        Groups::Whole => q.filter(indicator_targets::breakdown.is_null()),
        Groups::SubGroups => q.filter(indicator_targets::breakdown.is_not_null()),
        Groups::All => q,
    };
    q.select(TargetRow::as_select()).load(conn).await
}

/// Live targets of one indicator whose period lies within `[from, to]`, by period.
pub async fn targets_between(
    conn: &mut AsyncPgConnection,
    indicator_id: Uuid,
    from: NaiveDate,
    to: NaiveDate,
) -> QueryResult<Vec<TargetRow>> {
    indicator_targets::table
        .filter(indicator_targets::indicator_id.eq(indicator_id))
        .filter(indicator_targets::archived_at.is_null())
        .filter(indicator_targets::breakdown.is_null())
        .filter(indicator_targets::period_starts_on.ge(from))
        .filter(indicator_targets::period_ends_on.le(to))
        .order((
            indicator_targets::period_starts_on,
            indicator_targets::period_ends_on,
        ))
        .select(TargetRow::as_select())
        .load(conn)
        .await
}

/// Inserts or replaces (and un-archives) the target of one indicator and period.
pub async fn upsert_target(
    conn: &mut AsyncPgConnection,
    existing: Option<&TargetRow>,
    indicator_id: Uuid,
    breakdown: Option<&str>,
    period: &crate::domain::period::Period,
    value: f64,
    note: Option<&str>,
) -> QueryResult<TargetRow> {
    match existing {
        Some(t) => {
            diesel::update(
                indicator_targets::table
                    .find(t.id)
                    .filter(indicator_targets::version.eq(t.version)),
            )
            .set((
                indicator_targets::value.eq(value),
                indicator_targets::note.eq(note),
                indicator_targets::archived_at.eq(None::<DateTime<Utc>>),
                indicator_targets::version.eq(indicator_targets::version + 1),
                indicator_targets::updated_at.eq(diesel::dsl::now),
            ))
            .returning(TargetRow::as_returning())
            .get_result(conn)
            .await
        }
        None => {
            insert_target(
                conn,
                super::new_id(),
                indicator_id,
                breakdown,
                period,
                value,
                note,
            )
            .await
        }
    }
}

/// Inserts the target of one indicator and period with the given id.
pub async fn insert_target(
    conn: &mut AsyncPgConnection,
    id: Uuid,
    indicator_id: Uuid,
    breakdown: Option<&str>,
    period: &crate::domain::period::Period,
    value: f64,
    note: Option<&str>,
) -> QueryResult<TargetRow> {
    diesel::insert_into(indicator_targets::table)
        .values((
            indicator_targets::id.eq(id),
            indicator_targets::indicator_id.eq(indicator_id),
            indicator_targets::breakdown.eq(breakdown),
            indicator_targets::period.eq(&period.code),
            indicator_targets::period_starts_on.eq(period.starts_on),
            indicator_targets::period_ends_on.eq(period.ends_on),
            indicator_targets::value.eq(value),
            indicator_targets::note.eq(note),
        ))
        .returning(TargetRow::as_returning())
        .get_result(conn)
        .await
}

/// Archives a target.
pub async fn archive_target(
    conn: &mut AsyncPgConnection,
    existing: &TargetRow,
) -> QueryResult<TargetRow> {
    diesel::update(
        indicator_targets::table
            .find(existing.id)
            .filter(indicator_targets::version.eq(existing.version)),
    )
    .set((
        indicator_targets::archived_at.eq(diesel::dsl::now),
        indicator_targets::version.eq(indicator_targets::version + 1),
        indicator_targets::updated_at.eq(diesel::dsl::now),
    ))
    .returning(TargetRow::as_returning())
    .get_result(conn)
    .await
}

pub async fn list_targets(
    conn: &mut AsyncPgConnection,
    p: &ListParams,
) -> QueryResult<(Vec<TargetRow>, Option<i64>)> {
    crate::paged!(conn, indicator_targets::table, TargetRow, p)
}

/// A value (observation) as stored.
#[derive(Debug, Clone, Queryable, QueryableByName, Selectable)]
#[diesel(table_name = indicator_values, check_for_backend(diesel::pg::Pg))]
pub struct ValueRow {
    pub id: Uuid,
    pub indicator_id: Uuid,
    pub period: String,
    pub period_starts_on: NaiveDate,
    pub period_ends_on: NaiveDate,
    pub series: String,
    pub breakdown: Option<String>,
    pub value: f64,
    pub numerator: Option<f64>,
    pub denominator: Option<f64>,
    pub status: String,
    pub note: Option<String>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub version: i32,
    pub withdrawn_at: Option<DateTime<Utc>>,
}

/// What a value write sets.
#[derive(Debug, Clone)]
pub struct ValueWrite<'a> {
    pub indicator_id: Uuid,
    pub period: &'a crate::domain::period::Period,
    pub series: &'a str,
    pub breakdown: Option<&'a str>,
    pub value: f64,
    pub numerator: Option<f64>,
    pub denominator: Option<f64>,
    pub status: &'a str,
    pub note: Option<&'a str>,
}

/// Stored values for the given keys `(indicator, series, breakdown, period)`, in one query.
pub async fn find_values(
    conn: &mut AsyncPgConnection,
    keys: &[(Uuid, String, Option<String>, String)],
) -> QueryResult<Vec<ValueRow>> {
    if keys.is_empty() {
        return Ok(Vec::new());
    }
    let mut ids: Vec<Uuid> = keys.iter().map(|k| k.0).collect();
    ids.sort_unstable();
    ids.dedup();
    let mut periods: Vec<&str> = keys.iter().map(|k| k.3.as_str()).collect();
    periods.sort_unstable();
    periods.dedup();
    let rows: Vec<ValueRow> = indicator_values::table
        .filter(indicator_values::indicator_id.eq_any(&ids))
        .filter(indicator_values::period.eq_any(&periods))
        .select(ValueRow::as_select())
        // Only writers look values up by key: they hold the rows to the end
        // of their transaction, so a bulk import and a PUT cannot interleave.
        .for_update()
        .load(conn)
        .await?;
    // The query finds every value of those indicators in those periods; an
    // import of 100,000 rows needs the exact keys picked out in linear time.
    let wanted: std::collections::HashSet<(Uuid, &str, Option<&str>, &str)> = keys
        .iter()
        .map(|k| (k.0, k.1.as_str(), k.2.as_deref(), k.3.as_str()))
        .collect();
    Ok(rows
        .into_iter()
        .filter(|r| {
            wanted.contains(&(
                r.indicator_id,
                r.series.as_str(),
                r.breakdown.as_deref(),
                r.period.as_str(),
            ))
        })
        .collect())
}

/// Inserts many values in one statement (each with its id), for imports:
/// one round trip whatever the number of rows.
pub async fn insert_values(
    conn: &mut AsyncPgConnection,
    rows: &[(Uuid, ValueWrite<'_>)],
) -> QueryResult<Vec<ValueRow>> {
    use diesel::sql_types::{Array, Date, Float8, Nullable, Text, Uuid as SqlUuid};
    if rows.is_empty() {
        return Ok(Vec::new());
    }
    diesel::sql_query(
        "INSERT INTO indicator_values (id, indicator_id, period, period_starts_on, period_ends_on, \
         series, breakdown, value, numerator, denominator, status, note) \
         SELECT * FROM unnest($1::uuid[], $2::uuid[], $3::text[], $4::date[], $5::date[], \
         $6::text[], $7::text[], $8::float8[], $9::float8[], $10::float8[], $11::text[], $12::text[]) \
         RETURNING *",
    )
    .bind::<Array<SqlUuid>, _>(rows.iter().map(|r| r.0).collect::<Vec<_>>())
    .bind::<Array<SqlUuid>, _>(rows.iter().map(|r| r.1.indicator_id).collect::<Vec<_>>())
    .bind::<Array<Text>, _>(rows.iter().map(|r| r.1.period.code.as_str()).collect::<Vec<_>>())
    .bind::<Array<Date>, _>(rows.iter().map(|r| r.1.period.starts_on).collect::<Vec<_>>())
    .bind::<Array<Date>, _>(rows.iter().map(|r| r.1.period.ends_on).collect::<Vec<_>>())
    .bind::<Array<Text>, _>(rows.iter().map(|r| r.1.series).collect::<Vec<_>>())
    .bind::<Array<Nullable<Text>>, _>(rows.iter().map(|r| r.1.breakdown).collect::<Vec<_>>())
    .bind::<Array<Float8>, _>(rows.iter().map(|r| r.1.value).collect::<Vec<_>>())
    .bind::<Array<Nullable<Float8>>, _>(rows.iter().map(|r| r.1.numerator).collect::<Vec<_>>())
    .bind::<Array<Nullable<Float8>>, _>(rows.iter().map(|r| r.1.denominator).collect::<Vec<_>>())
    .bind::<Array<Text>, _>(rows.iter().map(|r| r.1.status).collect::<Vec<_>>())
    .bind::<Array<Nullable<Text>>, _>(rows.iter().map(|r| r.1.note).collect::<Vec<_>>())
    .load(conn)
    .await
}

/// Replaces many stored values in one statement, each only at the version
/// it was read at. Fewer rows back than given means one changed meanwhile:
/// [`diesel::result::Error::NotFound`].
pub async fn update_values(
    conn: &mut AsyncPgConnection,
    rows: &[(&ValueRow, ValueWrite<'_>)],
) -> QueryResult<Vec<ValueRow>> {
    use diesel::sql_types::{Array, Float8, Integer, Nullable, Text, Uuid as SqlUuid};
    if rows.is_empty() {
        return Ok(Vec::new());
    }
    let updated: Vec<ValueRow> = diesel::sql_query(
        "UPDATE indicator_values AS v SET value = u.value, numerator = u.numerator, \
         denominator = u.denominator, status = u.status, note = u.note, \
         withdrawn_at = NULL, version = v.version + 1, updated_at = now() \
         FROM unnest($1::uuid[], $2::int4[], $3::float8[], $4::float8[], $5::float8[], \
         $6::text[], $7::text[]) AS u(id, version, value, numerator, denominator, status, note) \
         WHERE v.id = u.id AND v.version = u.version \
         RETURNING v.*",
    )
    .bind::<Array<SqlUuid>, _>(rows.iter().map(|r| r.0.id).collect::<Vec<_>>())
    .bind::<Array<Integer>, _>(rows.iter().map(|r| r.0.version).collect::<Vec<_>>())
    .bind::<Array<Float8>, _>(rows.iter().map(|r| r.1.value).collect::<Vec<_>>())
    .bind::<Array<Nullable<Float8>>, _>(rows.iter().map(|r| r.1.numerator).collect::<Vec<_>>())
    .bind::<Array<Nullable<Float8>>, _>(rows.iter().map(|r| r.1.denominator).collect::<Vec<_>>())
    .bind::<Array<Text>, _>(rows.iter().map(|r| r.1.status).collect::<Vec<_>>())
    .bind::<Array<Nullable<Text>>, _>(rows.iter().map(|r| r.1.note).collect::<Vec<_>>())
    .load(conn)
    .await?;
    if updated.len() != rows.len() {
        return Err(diesel::result::Error::NotFound);
    }
    Ok(updated)
}

pub async fn find_value(conn: &mut AsyncPgConnection, id: Uuid) -> QueryResult<ValueRow> {
    indicator_values::table
        .find(id)
        .select(ValueRow::as_select())
        .first(conn)
        .await
}

/// Withdraws a value at the version it was read at: it leaves every view
/// and stays, with its history; a new value for its key brings it back.
pub async fn withdraw_value(
    conn: &mut AsyncPgConnection,
    existing: &ValueRow,
) -> QueryResult<ValueRow> {
    diesel::update(
        indicator_values::table
            .find(existing.id)
            .filter(indicator_values::version.eq(existing.version)),
    )
    .set((
        indicator_values::withdrawn_at.eq(diesel::dsl::now),
        indicator_values::version.eq(indicator_values::version + 1),
        indicator_values::updated_at.eq(diesel::dsl::now),
    ))
    .returning(ValueRow::as_returning())
    .get_result(conn)
    .await
}

/// Inserts a value, or replaces `existing`.
pub async fn upsert_value(
    conn: &mut AsyncPgConnection,
    existing: Option<&ValueRow>,
    w: &ValueWrite<'_>,
) -> QueryResult<ValueRow> {
    match existing {
        Some(v) => {
            diesel::update(
                indicator_values::table
                    .find(v.id)
                    .filter(indicator_values::version.eq(v.version)),
            )
            .set((
                indicator_values::value.eq(w.value),
                indicator_values::numerator.eq(w.numerator),
                indicator_values::denominator.eq(w.denominator),
                indicator_values::status.eq(w.status),
                indicator_values::note.eq(w.note),
                indicator_values::withdrawn_at.eq(None::<DateTime<Utc>>),
                indicator_values::version.eq(indicator_values::version + 1),
                indicator_values::updated_at.eq(diesel::dsl::now),
            ))
            .returning(ValueRow::as_returning())
            .get_result(conn)
            .await
        }
        None => insert_value(conn, super::new_id(), w).await,
    }
}

/// Inserts a value with the given id.
pub async fn insert_value(
    conn: &mut AsyncPgConnection,
    id: Uuid,
    w: &ValueWrite<'_>,
) -> QueryResult<ValueRow> {
    diesel::insert_into(indicator_values::table)
        .values((
            indicator_values::id.eq(id),
            indicator_values::indicator_id.eq(w.indicator_id),
            indicator_values::period.eq(&w.period.code),
            indicator_values::period_starts_on.eq(w.period.starts_on),
            indicator_values::period_ends_on.eq(w.period.ends_on),
            indicator_values::series.eq(w.series),
            indicator_values::breakdown.eq(w.breakdown),
            indicator_values::value.eq(w.value),
            indicator_values::numerator.eq(w.numerator),
            indicator_values::denominator.eq(w.denominator),
            indicator_values::status.eq(w.status),
            indicator_values::note.eq(w.note),
        ))
        .returning(ValueRow::as_returning())
        .get_result(conn)
        .await
}

/// What the performance rules read of a value.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = indicator_values, check_for_backend(diesel::pg::Pg))]
pub struct ValuePoint {
    pub indicator_id: Uuid,
    pub period: String,
    pub series: String,
    pub breakdown: Option<String>,
    pub value: f64,
    pub numerator: Option<f64>,
    pub denominator: Option<f64>,
    pub status: String,
}

/// Live values of the given indicators for the given period codes (every
/// series), of the given groups, in one query.
pub async fn values_for(
    conn: &mut AsyncPgConnection,
    indicator_ids: &[Uuid],
    periods: &[String],
    groups: Groups,
) -> QueryResult<Vec<ValuePoint>> {
    if indicator_ids.is_empty() || periods.is_empty() {
        return Ok(Vec::new());
    }
    let q = indicator_values::table
        .filter(indicator_values::indicator_id.eq_any(indicator_ids))
        .filter(indicator_values::period.eq_any(periods))
        .filter(indicator_values::withdrawn_at.is_null())
        .into_boxed();
    let q = match groups {
        Groups::Whole => q.filter(indicator_values::breakdown.is_null()),
        Groups::SubGroups => q.filter(indicator_values::breakdown.is_not_null()),
        Groups::All => q,
    };
    q.select(ValuePoint::as_select()).load(conn).await
}

/// Values of one indicator whose period lies within `[from, to]`, by period.
pub async fn values_between(
    conn: &mut AsyncPgConnection,
    indicator_id: Uuid,
    from: NaiveDate,
    to: NaiveDate,
) -> QueryResult<Vec<ValueRow>> {
    indicator_values::table
        .filter(indicator_values::indicator_id.eq(indicator_id))
        .filter(indicator_values::withdrawn_at.is_null())
        .filter(indicator_values::period_starts_on.ge(from))
        .filter(indicator_values::period_ends_on.le(to))
        .order((
            indicator_values::period_starts_on,
            indicator_values::period_ends_on,
            indicator_values::series,
            indicator_values::breakdown,
        ))
        .select(ValueRow::as_select())
        .load(conn)
        .await
}

/// One page of values (joined to their indicator for `indicator_ref` filters
/// and sorts) and the total.
pub async fn list_values(
    conn: &mut AsyncPgConnection,
    p: &ListParams,
) -> QueryResult<(Vec<ValueRow>, Option<i64>)> {
    let source = indicator_values::table.inner_join(indicators::table);
    crate::paged!(conn, source, ValueRow, p)
}

/// Every value under the list's filters, in its order (for the CSV export).
pub async fn all_values(
    conn: &mut AsyncPgConnection,
    p: &ListParams,
) -> QueryResult<Vec<ValueRow>> {
    indicator_values::table
        .inner_join(indicators::table)
        .filter(p.where_sql())
        .order(p.order_sql())
        .select(ValueRow::as_select())
        .load(conn)
        .await
}

/// Indicators by id, in one query.
pub async fn find_many(
    conn: &mut AsyncPgConnection,
    ids: &[Uuid],
) -> QueryResult<Vec<IndicatorRow>> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    indicators::table
        .filter(indicators::id.eq_any(ids))
        .select(IndicatorRow::as_select())
        .load(conn)
        .await
}

/// Commentary as stored.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = indicator_commentary, check_for_backend(diesel::pg::Pg))]
pub struct CommentaryRow {
    pub id: Uuid,
    pub indicator_id: Uuid,
    pub period: String,
    pub period_starts_on: NaiveDate,
    pub period_ends_on: NaiveDate,
    pub overview: Option<String>,
    pub what_made_the_difference: Option<String>,
    pub what_happens_next: Option<String>,
    pub author_sub: String,
    pub author_name: Option<String>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub version: i32,
    pub withdrawn_at: Option<DateTime<Utc>>,
}

/// What a commentary write sets.
#[derive(Debug, Clone)]
pub struct CommentaryWrite<'a> {
    pub indicator_id: Uuid,
    pub period: &'a crate::domain::period::Period,
    pub overview: Option<&'a str>,
    pub what_made_the_difference: Option<&'a str>,
    pub what_happens_next: Option<&'a str>,
    pub author_sub: &'a str,
    pub author_name: Option<&'a str>,
}

pub async fn find_commentary(
    conn: &mut AsyncPgConnection,
    indicator_id: Uuid,
    period: &str,
) -> QueryResult<Option<CommentaryRow>> {
    indicator_commentary::table
        .filter(indicator_commentary::indicator_id.eq(indicator_id))
        .filter(indicator_commentary::period.eq(period))
        .select(CommentaryRow::as_select())
        .first(conn)
        .await
        .optional()
}

/// Live commentary of the given indicators for the given periods, in one
/// query.
pub async fn commentary_for(
    conn: &mut AsyncPgConnection,
    indicator_ids: &[Uuid],
    periods: &[String],
) -> QueryResult<Vec<CommentaryRow>> {
    if indicator_ids.is_empty() || periods.is_empty() {
        return Ok(Vec::new());
    }
    indicator_commentary::table
        .filter(indicator_commentary::indicator_id.eq_any(indicator_ids))
        .filter(indicator_commentary::period.eq_any(periods))
        .filter(indicator_commentary::withdrawn_at.is_null())
        .select(CommentaryRow::as_select())
        .load(conn)
        .await
}

pub async fn upsert_commentary(
    conn: &mut AsyncPgConnection,
    existing: Option<&CommentaryRow>,
    w: &CommentaryWrite<'_>,
) -> QueryResult<CommentaryRow> {
    match existing {
        Some(c) => {
            diesel::update(
                indicator_commentary::table
                    .find(c.id)
                    .filter(indicator_commentary::version.eq(c.version)),
            )
            .set((
                indicator_commentary::overview.eq(w.overview),
                indicator_commentary::what_made_the_difference.eq(w.what_made_the_difference),
                indicator_commentary::what_happens_next.eq(w.what_happens_next),
                indicator_commentary::author_sub.eq(w.author_sub),
                indicator_commentary::author_name.eq(w.author_name),
                indicator_commentary::withdrawn_at.eq(None::<DateTime<Utc>>),
                indicator_commentary::version.eq(indicator_commentary::version + 1),
                indicator_commentary::updated_at.eq(diesel::dsl::now),
            ))
            .returning(CommentaryRow::as_returning())
            .get_result(conn)
            .await
        }
        None => {
            diesel::insert_into(indicator_commentary::table)
                .values((
                    indicator_commentary::id.eq(super::new_id()),
                    indicator_commentary::indicator_id.eq(w.indicator_id),
                    indicator_commentary::period.eq(&w.period.code),
                    indicator_commentary::period_starts_on.eq(w.period.starts_on),
                    indicator_commentary::period_ends_on.eq(w.period.ends_on),
                    indicator_commentary::overview.eq(w.overview),
                    indicator_commentary::what_made_the_difference.eq(w.what_made_the_difference),
                    indicator_commentary::what_happens_next.eq(w.what_happens_next),
                    indicator_commentary::author_sub.eq(w.author_sub),
                    indicator_commentary::author_name.eq(w.author_name),
                ))
                .returning(CommentaryRow::as_returning())
                .get_result(conn)
                .await
        }
    }
}

/// Withdraws commentary at the version it was read at (see
/// [`withdraw_value`]).
pub async fn withdraw_commentary(
    conn: &mut AsyncPgConnection,
    existing: &CommentaryRow,
) -> QueryResult<CommentaryRow> {
    diesel::update(
        indicator_commentary::table
            .find(existing.id)
            .filter(indicator_commentary::version.eq(existing.version)),
    )
    .set((
        indicator_commentary::withdrawn_at.eq(diesel::dsl::now),
        indicator_commentary::version.eq(indicator_commentary::version + 1),
        indicator_commentary::updated_at.eq(diesel::dsl::now),
    ))
    .returning(CommentaryRow::as_returning())
    .get_result(conn)
    .await
}

pub async fn list_commentary(
    conn: &mut AsyncPgConnection,
    p: &ListParams,
) -> QueryResult<(Vec<CommentaryRow>, Option<i64>)> {
    crate::paged!(conn, indicator_commentary::table, CommentaryRow, p)
}
