//! `/api/v1/organisations`: the Trust's partner bodies (the council, health
//! bodies, police, boards and groups) that lead, own and answer for things.

use actix_web::{get, patch, post, web, HttpRequest, HttpResponse};
use chrono::{DateTime, Utc};
use diesel_async::AsyncPgConnection;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use crate::resources::write::{self, Record};
use crate::store::listing::{Filter, FilterKind, ListSpec, SortField, SortType};
use crate::store::organisations::{
    self as db, NewOrganisationRow, OrganisationChanges, OrganisationRow,
};
use crate::web::auth::{AuthUser, Role};
use crate::web::error::{ApiError, ApiResult, ErrorBody};
use crate::web::http::{
    created_record, new_id, ok_record, ApiJson, Ctx, IfMatch, Patch, Versioned,
};
use crate::web::validate::Errors;
use crate::{page_schema, vocab, AppState};

vocab! {
    /// What kind of body an organisation is.
    OrganisationKind {
        Council = "council",
        CouncilDepartment = "council_department",
        CouncilBoard = "council_board",
        TrustBoard = "trust_board",
        TrustGroup = "trust_group",
        Partnership = "partnership",
        StatutoryPartner = "statutory_partner",
        HealthBody = "health_body",
        Inspectorate = "inspectorate",
        VoluntaryOrg = "voluntary_org",
        YouthForum = "youth_forum",
        GovernmentOffice = "government_office",
        School = "school",
        Other = "other",
    }
}

/// A short reference to an organisation, embedded where a record points at one.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema, PartialEq)]
pub struct OrganisationRef {
    pub id: Uuid,
    /// Its code, e.g. `HBC`.
    pub code: String,
    pub name: String,
}

impl From<&OrganisationRow> for OrganisationRef {
    fn from(r: &OrganisationRow) -> Self {
        OrganisationRef {
            id: r.id,
            code: r.code.clone(),
            name: r.name.clone(),
        }
    }
}

/// A partner body of the Children's Trust.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct Organisation {
    pub id: Uuid,
    /// Short code, unique across organisations, e.g. `HBC`, `HSCB`; what the
    /// `org` claim of a token names.
    pub code: String,
    /// Full name as the partnership writes it.
    pub name: String,
    pub kind: OrganisationKind,
    /// The body this one belongs to (e.g. a council department's council).
    pub parent_id: Option<Uuid>,
    /// Code and name of the parent, for reading without another request.
    pub parent: Option<OrganisationRef>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    /// Incremented by every change; the `ETag`.
    pub version: i32,
    /// When it was archived; null while it is live.
    pub archived_at: Option<DateTime<Utc>>,
}

page_schema!(OrganisationPage, Organisation);

impl Versioned for Organisation {
    fn version(&self) -> i32 {
        self.version
    }
}

impl Record for Organisation {
    const TABLE: &'static str = "organisations";
    const ENTITY: &'static str = "organisation";

    async fn load(conn: &mut AsyncPgConnection, id: Uuid) -> ApiResult<Self> {
        let (row, refs) = db::find_embedded(conn, id)
            .await
            .map_err(|e| crate::web::error::not_found(e, "organisation", id))?;
        with_refs(row, refs)
    }

    async fn load_locked(conn: &mut AsyncPgConnection, id: Uuid) -> ApiResult<Self> {
        let (row, refs) = db::find_embedded_for_update(conn, id)
            .await
            .map_err(|e| crate::web::error::not_found(e, "organisation", id))?;
        with_refs(row, refs)
    }

    fn is_archived(&self) -> bool {
        self.archived_at.is_some()
    }
}

/// What the database embeds beside an organisation's row (`db::EMBED`).
#[derive(Deserialize)]
struct Embedded {
    parent: Option<OrganisationRef>,
}

/// An organisation in the API's shape, from its row and what the database
/// embedded beside it.
fn with_refs(r: OrganisationRow, refs: crate::store::sql::RawJson) -> ApiResult<Organisation> {
    let refs: Embedded = refs.parse()?;
    from_row(r, refs.parent)
}

fn from_row(r: OrganisationRow, parent: Option<OrganisationRef>) -> ApiResult<Organisation> {
    Ok(Organisation {
        kind: OrganisationKind::from_db(&r.kind)?,
        id: r.id,
        code: r.code,
        name: r.name,
        parent_id: r.parent_id,
        parent,
        created_at: r.created_at,
        updated_at: r.updated_at,
        version: r.version,
        archived_at: r.archived_at,
    })
}

/// Turns rows into the API shape, loading every parent in one query (for
/// rows that did not come with their references, such as the demo's).
pub async fn to_dtos(
    conn: &mut AsyncPgConnection,
    rows: Vec<OrganisationRow>,
) -> ApiResult<Vec<Organisation>> {
    let parent_ids: Vec<Uuid> = rows.iter().filter_map(|r| r.parent_id).collect();
    let parents = db::find_many(conn, &parent_ids).await?;
    rows.into_iter()
        .map(|r| {
            let parent = r
                .parent_id
                .and_then(|p| parents.iter().find(|o| o.id == p))
                .map(OrganisationRef::from);
            from_row(r, parent)
        })
        .collect()
}

/// A new organisation.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewOrganisation {
    /// Unique code, 1–40 characters (letters, digits, space, `._&/-`).
    #[schema(example = "HBC")]
    pub code: String,
    /// Full name, at most 200 characters.
    #[schema(example = "Halton Borough Council")]
    pub name: String,
    pub kind: OrganisationKind,
    /// The body this one belongs to.
    #[serde(default)]
    pub parent_id: Option<Uuid>,
}

/// A JSON merge patch of an organisation: the fields given change, `null`
/// clears `parent_id`.
#[derive(Debug, Clone, Default, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct OrganisationPatch {
    #[serde(default)]
    #[schema(value_type = String)]
    pub code: Patch<String>,
    #[serde(default)]
    #[schema(value_type = String)]
    pub name: Patch<String>,
    #[serde(default)]
    #[schema(value_type = OrganisationKind)]
    pub kind: Patch<OrganisationKind>,
    #[serde(default)]
    #[schema(value_type = Option<Uuid>)]
    pub parent_id: Patch<Uuid>,
}

/// Filters of `GET /organisations`.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[allow(dead_code)]
pub struct OrganisationFilters {
    /// Any of these codes (comma-separated).
    code: Option<String>,
    /// Any of these kinds (comma-separated).
    kind: Option<String>,
    /// Children of any of these organisations (comma-separated ids).
    parent_id: Option<String>,
    /// Free text in code or name.
    q: Option<String>,
}

pub(crate) const LIST: ListSpec = ListSpec {
    table: "organisations",
    filters: &[
        Filter::new("code", FilterKind::Text("organisations.code")),
        Filter::new(
            "kind",
            FilterKind::Vocab("organisations.kind", OrganisationKind::WORDS),
        ),
        Filter::new("parent_id", FilterKind::Uuid("organisations.parent_id")),
        Filter::new(
            "q",
            FilterKind::Search(&["organisations.code", "organisations.name"]),
        ),
    ],
    sorts: &[
        SortField::new("code", "organisations.code", SortType::Text),
        SortField::new("name", "organisations.name", SortType::Text),
        SortField::new("kind", "organisations.kind", SortType::Text),
        SortField::new(
            "created_at",
            "organisations.created_at",
            SortType::Timestamp,
        ),
        SortField::new(
            "updated_at",
            "organisations.updated_at",
            SortType::Timestamp,
        ),
    ],
    default_sort: "code",
    archivable: true,
};

/// List organisations
///
/// Every role may read. Sort on `code` (default), `name`, `kind`,
/// `created_at`, `updated_at`.
#[utoipa::path(
    tag = "organisations",
    params(crate::resources::ListQuery, OrganisationFilters),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "One page of organisations", body = OrganisationPage,
         headers(("Link" = String, description = "`<...>; rel=\"next\"` when there is a next page"))),
        (status = 400, description = "Unknown or malformed query parameter", body = ErrorBody),
        (status = 403, description = "Not allowed", body = ErrorBody),
    )
)]
#[get("")]
pub async fn list_organisations(
    req: HttpRequest,
    user: AuthUser,
    state: web::Data<AppState>,
) -> ApiResult<HttpResponse> {
    user.require(Role::Viewer)?;
    let p = crate::web::page::list_params(&req, LIST)?;
    let mut conn = state.conn().await?;
    let (rows, total) = db::list(&mut conn, &p).await?;
    let items = rows
        .into_iter()
        .map(|(row, refs)| with_refs(row, refs))
        .collect::<ApiResult<Vec<_>>>()?;
    Ok(p.page(items, total)?.respond(&req))
}

/// Get an organisation
#[utoipa::path(
    tag = "organisations",
    params(("id" = Uuid, Path, description = "Organisation id")),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The organisation", body = Organisation,
         headers(("ETag" = String, description = "The record's version, for If-Match"))),
        (status = 404, description = "No such organisation", body = ErrorBody),
    )
)]
#[get("/{id}")]
pub async fn get_organisation(
    user: AuthUser,
    state: web::Data<AppState>,
    id: web::Path<Uuid>,
) -> ApiResult<HttpResponse> {
    user.require(Role::Viewer)?;
    let mut conn = state.conn().await?;
    let org = Organisation::load(&mut conn, *id).await?;
    Ok(ok_record(&org))
}

async fn check_parent(
    conn: &mut AsyncPgConnection,
    errors: &mut Errors,
    parent_id: Uuid,
    own_id: Option<Uuid>,
) -> ApiResult<()> {
    if db::find_many(conn, &[parent_id]).await?.is_empty() {
        errors.unknown("/parent_id", "no organisation has this id");
    } else if let Some(own) = own_id {
        if own == parent_id || db::would_cycle(conn, own, parent_id).await? {
            errors.rule("/parent_id", "an organisation cannot sit under itself");
        }
    }
    Ok(())
}

/// Create an organisation
///
/// Admin only. Answers 201 with the record, its `Location` and `ETag`.
#[utoipa::path(
    tag = "organisations",
    request_body = NewOrganisation,
    params(crate::resources::IdempotencyHeader),
    security(("bearer" = [])),
    responses(
        (status = 201, description = "Created", body = Organisation,
         headers(("Location" = String), ("ETag" = String))),
        (status = 400, description = "Malformed JSON", body = ErrorBody),
        (status = 403, description = "Not an admin", body = ErrorBody),
        (status = 409, description = "The code is taken", body = ErrorBody),
        (status = 413, description = "Body over 1 MiB", body = ErrorBody),
        (status = 415, description = "Body is not JSON", body = ErrorBody),
        (status = 422, description = "Invalid fields, or an Idempotency-Key reused with another body", body = ErrorBody),
    )
)]
#[post("")]
pub async fn create_organisation(
    ctx: Ctx,
    state: web::Data<AppState>,
    body: ApiJson<NewOrganisation>,
) -> ApiResult<HttpResponse> {
    ctx.require(Role::Admin)?;
    let body = body.0;
    let mut conn = state.conn().await?;
    let actor = ctx.actor();
    let org = write::create::<Organisation, _>(&mut conn, &actor, move |conn| {
        Box::pin(async move {
            let mut errors = Errors::new();
            errors.code("/code", &body.code);
            errors.text("/name", &body.name, 200);
            if let Some(p) = body.parent_id {
                check_parent(conn, &mut errors, p, None).await?;
            }
            errors.finish()?;
            let row = db::insert(
                conn,
                &NewOrganisationRow {
                    id: new_id(),
                    code: &body.code,
                    name: body.name.trim(),
                    kind: body.kind.as_str(),
                    parent_id: body.parent_id,
                },
            )
            .await
            .map_err(|e| duplicate_code(e, &body.code))?;
            Ok(row.id)
        })
    })
    .await?;
    Ok(created_record(
        format!("/api/v1/organisations/{}", org.id),
        &org,
    ))
}

fn duplicate_code(e: diesel::result::Error, code: &str) -> ApiError {
    crate::web::error::or_duplicate(e, || {
        format!("an organisation with code {code:?} already exists")
    })
}

/// Change an organisation
///
/// Admin only. A JSON merge patch; needs `If-Match` with the current `ETag`.
#[utoipa::path(
    tag = "organisations",
    request_body(content = OrganisationPatch, content_type = "application/merge-patch+json"),
    params(("id" = Uuid, Path, description = "Organisation id"), crate::resources::IfMatchHeader),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Changed", body = Organisation, headers(("ETag" = String))),
        (status = 400, description = "Malformed JSON", body = ErrorBody),
        (status = 403, description = "Not an admin", body = ErrorBody),
        (status = 404, description = "No such organisation", body = ErrorBody),
        (status = 409, description = "The code is taken", body = ErrorBody),
        (status = 412, description = "If-Match is stale", body = ErrorBody),
        (status = 413, description = "Body over 1 MiB", body = ErrorBody),
        (status = 415, description = "Body is not JSON", body = ErrorBody),
        (status = 422, description = "Invalid fields", body = ErrorBody),
        (status = 428, description = "If-Match missing", body = ErrorBody),
    )
)]
#[patch("/{id}")]
pub async fn update_organisation(
    ctx: Ctx,
    state: web::Data<AppState>,
    id: web::Path<Uuid>,
    if_match: IfMatch,
    body: ApiJson<OrganisationPatch>,
) -> ApiResult<HttpResponse> {
    ctx.require(Role::Admin)?;
    let (id, patch) = (*id, body.0);
    let mut conn = state.conn().await?;
    let actor = ctx.actor();
    let org = write::change_returning::<Organisation, _>(
        &mut conn,
        &actor,
        id,
        Some(&if_match),
        "update",
        move |conn, _before| {
            Box::pin(async move {
                let mut errors = Errors::new();
                let code = patch.code.required("/code", &mut errors.0);
                let name = patch.name.required("/name", &mut errors.0);
                let kind = patch.kind.required("/kind", &mut errors.0);
                let parent_id = patch.parent_id.nullable();
                if let Some(c) = &code {
                    errors.code("/code", c);
                }
                if let Some(n) = &name {
                    errors.text("/name", n, 200);
                }
                if let Some(Some(p)) = parent_id {
                    check_parent(conn, &mut errors, p, Some(id)).await?;
                }
                errors.finish()?;
                let changes = OrganisationChanges {
                    code: code.clone(),
                    name: name.map(|n| n.trim().to_string()),
                    kind: kind.map(|k| k.as_str().to_string()),
                    parent_id,
                };
                let (row, refs) = db::update_embedded(conn, id, &changes)
                    .await
                    .map_err(|e| duplicate_code(e, code.as_deref().unwrap_or("")))?;
                with_refs(row, refs).map(Some)
            })
        },
    )
    .await?;
    Ok(ok_record(&org))
}

crate::archive_handlers! {
    module: archive,
    record: Organisation, tag: "organisations", id: "Organisation id", write: Admin, read: Viewer,
    archive: delete_organisation, "Archive an organisation",
    restore: restore_organisation, "Restore an archived organisation",
    history: organisation_history, "History of an organisation",
    writers: "Admin only.", readers: "Every role may read.",
}

/// Short references to organisations by id, loaded in one query.
pub async fn org_refs(
    conn: &mut AsyncPgConnection,
    ids: impl IntoIterator<Item = Uuid>,
) -> ApiResult<std::collections::HashMap<Uuid, OrganisationRef>> {
    let ids: Vec<Uuid> = ids.into_iter().collect();
    Ok(db::find_many(conn, &ids)
        .await?
        .iter()
        .map(|o| (o.id, OrganisationRef::from(o)))
        .collect())
}

/// 422 entries for organisation ids that do not exist, in one query.
pub async fn check_org_ids(
    conn: &mut AsyncPgConnection,
    errors: &mut Errors,
    ids: &[(&str, Uuid)],
) -> ApiResult<()> {
    let found = org_refs(conn, ids.iter().map(|(_, id)| *id)).await?;
    for (pointer, id) in ids {
        if !found.contains_key(id) {
            errors.unknown(pointer, "no organisation has this id");
        }
    }
    Ok(())
}
