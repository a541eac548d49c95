//! A dynamic SQL fragment with bound parameters, for the parts of a query
//! that are decided at run time (list filters, keyset cursors, sort orders).
//! Values are always bound, never spliced into the SQL text; only the static
//! column expressions that resources declare become SQL text.

use diesel::expression::{
    is_aggregate, AppearsOnTable, Expression, SelectableExpression, ValidGrouping,
};
use diesel::pg::Pg;
use diesel::query_builder::{AstPass, QueryFragment, QueryId};
use diesel::sql_types::{Bool, Text};
use diesel::QueryResult;

#[derive(Debug, Clone)]
enum Piece {
    Sql(String),
    Bind(String),
}

/// A boolean SQL expression built at run time. Every bound value is sent as
/// `text`; the SQL around it casts it (`$1::date`).
#[derive(Debug, Clone, Default)]
pub struct DynSql {
    pieces: Vec<Piece>,
}

impl DynSql {
    /// `TRUE`: the neutral element of [`DynSql::and`].
    pub fn truth() -> DynSql {
        DynSql::raw("TRUE")
    }

    /// A fragment of static SQL.
    pub fn raw(sql: impl Into<String>) -> DynSql {
        DynSql {
            pieces: vec![Piece::Sql(sql.into())],
        }
    }

    /// Appends static SQL.
    pub fn sql(mut self, sql: impl Into<String>) -> DynSql {
        self.pieces.push(Piece::Sql(sql.into()));
        self
    }

    /// Appends a bound text parameter.
    pub fn bind(mut self, value: impl Into<String>) -> DynSql {
        self.pieces.push(Piece::Bind(value.into()));
        self
    }

    /// Appends another fragment.
    pub fn push(mut self, other: DynSql) -> DynSql {
        self.pieces.extend(other.pieces);
        self
    }

    /// `(self) AND (other)`.
    pub fn and(self, other: DynSql) -> DynSql {
        DynSql::raw("(")
            .push(self)
            .sql(") AND (")
            .push(other)
            .sql(")")
    }

    /// `(self) OR (other)`.
    pub fn or(self, other: DynSql) -> DynSql {
        DynSql::raw("(")
            .push(self)
            .sql(") OR (")
            .push(other)
            .sql(")")
    }

    /// Joins fragments with `AND`; `TRUE` when empty.
    pub fn all(parts: Vec<DynSql>) -> DynSql {
        parts
            .into_iter()
            .reduce(DynSql::and)
            .unwrap_or_else(DynSql::truth)
    }

    /// Joins fragments with `OR`; `FALSE` when empty.
    pub fn any(parts: Vec<DynSql>) -> DynSql {
        parts
            .into_iter()
            .reduce(DynSql::or)
            .unwrap_or_else(|| DynSql::raw("FALSE"))
    }
}

impl Expression for DynSql {
    type SqlType = Bool;
}

impl<QS> AppearsOnTable<QS> for DynSql {}
impl<QS> SelectableExpression<QS> for DynSql {}

impl ValidGrouping<()> for DynSql {
    type IsAggregate = is_aggregate::Never;
}

impl QueryId for DynSql {
    type QueryId = ();
    const HAS_STATIC_QUERY_ID: bool = false;
}

impl QueryFragment<Pg> for DynSql {
    fn walk_ast<'b>(&'b self, mut out: AstPass<'_, 'b, Pg>) -> QueryResult<()> {
        // Safe to cache as prepared: diesel keys a statement with no static
        // query id by its SQL text (and bind types), and every value here is
        // bound, so one text is one statement. The texts a list makes are as
        // many as its combinations of filters and sorts.
        for piece in &self.pieces {
            match piece {
                Piece::Sql(s) => out.push_sql(s),
                Piece::Bind(v) => out.push_bind_param::<Text, String>(v)?,
            }
        }
        Ok(())
    }
}

/// An `ORDER BY` list built at run time from declared column expressions.
#[derive(Debug, Clone)]
pub struct DynOrder(pub String);

impl Expression for DynOrder {
    type SqlType = Text;
}
impl<QS> AppearsOnTable<QS> for DynOrder {}
impl<QS> SelectableExpression<QS> for DynOrder {}
impl ValidGrouping<()> for DynOrder {
    type IsAggregate = is_aggregate::Never;
}
impl QueryId for DynOrder {
    type QueryId = ();
    const HAS_STATIC_QUERY_ID: bool = false;
}
impl QueryFragment<Pg> for DynOrder {
    fn walk_ast<'b>(&'b self, mut out: AstPass<'_, 'b, Pg>) -> QueryResult<()> {
        out.push_sql(&self.0);
        Ok(())
    }
}

/// `EXPLAIN (FORMAT JSON)` of a query, with the query's own bound values.
struct Explain<Q>(Q);

impl<Q> QueryId for Explain<Q> {
    type QueryId = ();
    const HAS_STATIC_QUERY_ID: bool = false;
}

impl<Q> diesel::query_builder::Query for Explain<Q> {
    type SqlType = diesel::sql_types::Json;
}

impl<Q: QueryFragment<Pg>> QueryFragment<Pg> for Explain<Q> {
    fn walk_ast<'b>(&'b self, mut out: AstPass<'_, 'b, Pg>) -> QueryResult<()> {
        out.push_sql("EXPLAIN (FORMAT JSON) ");
        self.0.walk_ast(out.reborrow())
    }
}

/// The planner's estimate of how many rows `query` returns (PostgreSQL's
/// `Plan Rows` of its top node): what `Prefer: count=planned` answers.
pub async fn planned_rows<Q>(
    conn: &mut diesel_async::AsyncPgConnection,
    query: Q,
) -> QueryResult<i64>
where
    Q: QueryFragment<Pg> + QueryId + Send,
{
    let plan: serde_json::Value =
        diesel_async::RunQueryDsl::get_result(Explain(query), conn).await?;
    Ok(plan
        .pointer("/0/Plan/Plan Rows")
        .and_then(serde_json::Value::as_f64)
        .map_or(0, |rows| rows.round() as i64))
}

/// A static SQL expression of type `ST`: what `diesel::dsl::sql` makes, but
/// cacheable as a prepared statement. diesel marks every `dsl::sql` query
/// unsafe to cache, so each one was parsed, planned and closed again on
/// every request (a record's embedded references, every page's); a static
/// text with no bound values is one statement, which diesel caches by its
/// SQL text like [`DynSql`].
#[derive(Debug, Clone, Copy)]
pub struct Lit<ST> {
    sql: &'static str,
    _type: std::marker::PhantomData<ST>,
}

/// [`Lit`]: `lit::<Json>("json_build_object(...)")`.
pub const fn lit<ST>(sql: &'static str) -> Lit<ST> {
    Lit {
        sql,
        _type: std::marker::PhantomData,
    }
}

impl<ST: diesel::sql_types::SqlType + diesel::expression::TypedExpressionType> Expression
    for Lit<ST>
{
    type SqlType = ST;
}
impl<ST, QS> AppearsOnTable<QS> for Lit<ST> where Lit<ST>: Expression {}
impl<ST, QS> SelectableExpression<QS> for Lit<ST> where Lit<ST>: Expression {}
impl<ST, GB> ValidGrouping<GB> for Lit<ST> {
    type IsAggregate = is_aggregate::Never;
}
impl<ST> QueryId for Lit<ST> {
    type QueryId = ();
    const HAS_STATIC_QUERY_ID: bool = false;
}
impl<ST> QueryFragment<Pg> for Lit<ST> {
    fn walk_ast<'b>(&'b self, mut out: AstPass<'_, 'b, Pg>) -> QueryResult<()> {
        out.push_sql(self.sql);
        Ok(())
    }
}

/// A JSON value as PostgreSQL sent it, not yet parsed: what a query embeds
/// beside a row. Parsed straight into the type the caller wants with
/// [`RawJson::parse`], never through a `serde_json::Value` (which would
/// build, then take apart, a map per row).
#[derive(Debug, Clone, diesel::deserialize::FromSqlRow)]
pub struct RawJson(Vec<u8>);

impl Default for RawJson {
    fn default() -> Self {
        RawJson(b"null".to_vec())
    }
}

impl RawJson {
    /// The JSON as a `T`.
    pub fn parse<T: serde::de::DeserializeOwned>(&self) -> serde_json::Result<T> {
        serde_json::from_slice(&self.0)
    }
}

impl diesel::deserialize::FromSql<diesel::sql_types::Json, Pg> for RawJson {
    fn from_sql(value: diesel::pg::PgValue<'_>) -> diesel::deserialize::Result<Self> {
        Ok(RawJson(value.as_bytes().to_vec()))
    }
}
