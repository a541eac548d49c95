//! Improvement actions: the plan's deliverables under its areas, with leads, due dates and progress updates.

use super::*;

/// An action of the improvement plan: a deliverable like a milestone.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct ImprovementAction {
    pub id: Uuid,
    pub area_id: Uuid,
    pub area: AreaRef,
    /// Unique code, e.g. `IA01-A3`.
    pub code: String,
    pub title: String,
    /// Its order within the area.
    pub sequence: Option<i32>,
    /// Its own lead organisation, where it has one.
    pub lead_organisation_id: Option<Uuid>,
    /// Who leads it: its own lead organisation, or else the area's leads.
    /// A contributor of one of these may report its progress.
    pub lead_organisations: Vec<OrganisationRef>,
    /// When it is due: its own date, or else the area's.
    pub due_on: Option<NaiveDate>,
    /// Its own due date, where one is set (null: the area's applies).
    pub own_due_on: Option<NaiveDate>,
    /// Set by the newest progress update.
    pub status: DeliverableStatus,
    pub completed_on: Option<NaiveDate>,
    /// Due before the day asked about (`as_of`, default today) and not
    /// complete, deferred or cancelled.
    pub overdue: bool,
    pub latest_update: Option<ProgressUpdate>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub version: i32,
    pub archived_at: Option<DateTime<Utc>>,
}

page_schema!(ImprovementActionPage, ImprovementAction);

impl Versioned for ImprovementAction {
    fn version(&self) -> i32 {
        self.version
    }
}

impl Record for ImprovementAction {
    const TABLE: &'static str = "improvement_actions";
    const ENTITY: &'static str = "improvement_action";
    async fn load(conn: &mut AsyncPgConnection, id: Uuid) -> ApiResult<Self> {
        let row = action_queries::find(conn, id)
            .await
            .map_err(|e| not_found(e, "improvement action", id))?;
        Ok(action_dtos(conn, vec![row], today()).await?.remove(0))
    }
    fn is_archived(&self) -> bool {
        self.archived_at.is_some()
    }
}

/// Turns rows into the API shape: five queries whatever the number of rows.
pub(crate) async fn action_dtos(
    conn: &mut AsyncPgConnection,
    rows: Vec<ActionRow>,
    as_of: NaiveDate,
) -> ApiResult<Vec<ImprovementAction>> {
    let area_ids: Vec<Uuid> = rows.iter().map(|r| r.area_id).collect();
    let areas = area_queries::find_many(conn, &area_ids).await?;
    let links = db::links(conn, &area_ids).await?;
    let orgs = org_refs(
        conn,
        rows.iter()
            .filter_map(|r| r.lead_organisation_id)
            .chain(links.leads.iter().map(|(_, o)| *o)),
    )
    .await?;
    let ids: Vec<Uuid> = rows.iter().map(|r| r.id).collect();
    let latest = crate::store::progress::latest_for_actions(conn, &ids).await?;
    rows.into_iter()
        .map(|r| {
            let area = areas
                .iter()
                .find(|a| a.id == r.area_id)
                .ok_or_else(|| ApiError::Internal("action without area".into()))?;
            let lead_ids = match r.lead_organisation_id {
                Some(o) => vec![o],
                None => linked(&links.leads, r.area_id),
            };
            let status = DeliverableStatus::from_db(&r.status)?;
            let due_on = r.due_on.or(area.due_on);
            let latest_update = match latest
                .iter()
                .find(|u| u.improvement_action_id == Some(r.id))
            {
                Some(u) => Some(ProgressUpdate::try_from(u.clone())?),
                None => None,
            };
            Ok(ImprovementAction {
                area: AreaRef {
                    id: area.id,
                    code: area.code.clone(),
                    title: area.title.clone(),
                },
                lead_organisations: lead_ids
                    .iter()
                    .filter_map(|o| orgs.get(o).cloned())
                    .collect(),
                overdue: is_overdue(due_on, status, as_of),
                due_on,
                own_due_on: r.due_on,
                status,
                latest_update,
                id: r.id,
                area_id: r.area_id,
                code: r.code,
                title: r.title,
                sequence: r.sequence,
                lead_organisation_id: r.lead_organisation_id,
                completed_on: r.completed_on,
                created_at: r.created_at,
                updated_at: r.updated_at,
                version: r.version,
                archived_at: r.archived_at,
            })
        })
        .collect()
}

/// Turns improvement actions into what they were on `day` (see
/// [`crate::resources::milestones::at_day`]). One query.
pub(crate) async fn actions_at_day(
    conn: &mut AsyncPgConnection,
    items: &mut [ImprovementAction],
    day: NaiveDate,
) -> ApiResult<()> {
    let ids: Vec<Uuid> = items.iter().map(|a| a.id).collect();
    let updates = crate::store::progress::started_by(
        conn,
        crate::store::progress::Deliverable::ImprovementAction(Uuid::nil()),
        &ids,
        day,
    )
    .await?;
    for a in items {
        let mine: Vec<&crate::store::progress::ProgressRow> = updates
            .iter()
            .filter(|u| u.improvement_action_id == Some(a.id))
            .collect();
        let (status, completed_on, update) = progress::state_as_of(
            (a.status, a.completed_on),
            &mine,
            a.latest_update.is_some(),
            day,
        )?;
        a.status = status;
        a.completed_on = completed_on;
        a.latest_update = update;
        a.overdue = is_overdue(a.due_on, status, day);
    }
    Ok(())
}

/// A new improvement action.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewImprovementAction {
    pub area_id: Uuid,
    /// Unique code, 1–40 characters.
    #[schema(example = "IA01-A7")]
    pub code: String,
    /// At most 500 characters.
    pub title: String,
    #[serde(default)]
    pub sequence: Option<i32>,
    /// Default: the area's leads.
    #[serde(default)]
    pub lead_organisation_id: Option<Uuid>,
    /// Default: the area's date.
    #[serde(default)]
    pub due_on: Option<NaiveDate>,
}

/// A JSON merge patch of an improvement action. Its status changes only
/// through progress updates.
#[derive(Debug, Clone, Default, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ImprovementActionPatch {
    #[serde(default)]
    #[schema(value_type = String)]
    pub code: Patch<String>,
    #[serde(default)]
    #[schema(value_type = String)]
    pub title: Patch<String>,
    #[serde(default)]
    #[schema(value_type = Option<i32>)]
    pub sequence: Patch<i32>,
    /// `null`: the area's leads apply.
    #[serde(default)]
    #[schema(value_type = Option<Uuid>)]
    pub lead_organisation_id: Patch<Uuid>,
    /// `null`: the area's date applies.
    #[serde(default)]
    #[schema(value_type = Option<NaiveDate>)]
    pub due_on: Patch<NaiveDate>,
}

/// Filters of `GET /improvement-actions`.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[allow(dead_code)]
pub struct ActionFilters {
    /// Any of these codes (comma-separated).
    code: Option<String>,
    /// In any of these areas (comma-separated ids).
    area_id: Option<String>,
    /// Under areas answering any of these recommendations (comma-separated ids).
    recommendation_id: Option<String>,
    /// Led by any of these organisations, directly or through the area (comma-separated ids).
    lead_organisation_id: Option<String>,
    /// Any of these statuses (comma-separated).
    status: Option<String>,
    /// `true`: only overdue ones; `false`: only those not overdue (as of `as_of`).
    overdue: Option<bool>,
    /// The day `overdue` is judged on (default today, Europe/London).
    as_of: Option<String>,
    /// Due (own or area date) on or after this date.
    due_from: Option<String>,
    /// Due (own or area date) on or before this date.
    due_to: Option<String>,
    /// Free text in code or title.
    q: Option<String>,
}

/// The date an action is due: its own, or its area's.
pub(crate) const ACTION_DUE: &str =
    "COALESCE(improvement_actions.due_on, (SELECT a.due_on FROM improvement_areas a \
     WHERE a.id = improvement_actions.area_id))";

pub(crate) const ACTIONS: ListSpec = ListSpec {
    table: "improvement_actions",
    filters: &[
        Filter::new("code", FilterKind::Text("improvement_actions.code")),
        Filter::new("area_id", FilterKind::Uuid("improvement_actions.area_id")),
        Filter::new(
            "recommendation_id",
            FilterKind::UuidSql(
                "EXISTS (SELECT 1 FROM improvement_area_recommendations l \
                 WHERE l.area_id = improvement_actions.area_id AND l.recommendation_id = ANY($1))",
            ),
        ),
        Filter::new(
            "lead_organisation_id",
            FilterKind::UuidSql(
                "(improvement_actions.lead_organisation_id = ANY($1) OR \
                 (improvement_actions.lead_organisation_id IS NULL AND EXISTS (SELECT 1 FROM improvement_area_leads l \
                  WHERE l.area_id = improvement_actions.area_id AND l.organisation_id = ANY($1))))",
            ),
        ),
        Filter::new(
            "status",
            FilterKind::Manual(ManualType::Words(DeliverableStatus::WORDS)),
        ),
        Filter::new("overdue", FilterKind::Manual(ManualType::Bool)),
        Filter::new("as_of", FilterKind::Manual(ManualType::Date)),
        Filter::new("due_from", FilterKind::DateFrom(ACTION_DUE)),
        Filter::new("due_to", FilterKind::DateTo(ACTION_DUE)),
        Filter::new("q", FilterKind::Search(&["improvement_actions.code", "improvement_actions.title"])),
    ],
    sorts: &[
        SortField::new("code", "improvement_actions.code", SortType::Text),
        SortField::nullable("due_on", ACTION_DUE, SortType::Date),
        SortField::new("status", "improvement_actions.status", SortType::Text),
    ],
    default_sort: "code",
    archivable: true,
};

/// List improvement actions
///
/// Every role may read. "What is overdue" is `overdue=true` (with `as_of`
/// for another day than today). Sort on `code` (default), `due_on`, `status`.
#[utoipa::path(
    tag = "improvement",
    params(crate::resources::ListQuery, ActionFilters),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "One page of improvement actions", body = ImprovementActionPage),
        (status = 400, description = "Unknown or malformed query parameter", body = ErrorBody),
    )
)]
#[get("")]
pub async fn list_improvement_actions(
    req: HttpRequest,
    user: AuthUser,
    state: web::Data<AppState>,
) -> ApiResult<HttpResponse> {
    user.require(Role::Viewer)?;
    let mut p = crate::web::page::list_params(&req, ACTIONS)?;
    let as_of = progress::AsOf::of(&p)?;
    let of = crate::store::progress::Deliverable::ImprovementAction(Uuid::nil());
    for c in as_of.conditions(&p, of, ACTION_DUE)? {
        p.add_condition(c);
    }
    let mut conn = state.conn().await?;
    let (rows, total) = action_queries::list(&mut conn, &p).await?;
    let mut items = action_dtos(&mut conn, rows, as_of.day).await?;
    if as_of.asked {
        actions_at_day(&mut conn, &mut items, as_of.day).await?;
    }
    Ok(p.page(items, total)?.respond(&req))
}

/// Get an improvement action
#[utoipa::path(
    tag = "improvement",
    params(("id" = Uuid, Path, description = "Improvement action id")),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The action", body = ImprovementAction, headers(("ETag" = String))),
        (status = 404, description = "No such action", body = ErrorBody),
    )
)]
#[get("/{id}")]
pub async fn get_improvement_action(
    user: AuthUser,
    state: web::Data<AppState>,
    id: web::Path<Uuid>,
) -> ApiResult<HttpResponse> {
    user.require(Role::Viewer)?;
    let mut conn = state.conn().await?;
    Ok(ok_record(&ImprovementAction::load(&mut conn, *id).await?))
}

/// Create an improvement action
///
/// Editors and admins. It starts `not_started`.
#[utoipa::path(
    tag = "improvement",
    request_body = NewImprovementAction,
    params(crate::resources::IdempotencyHeader),
    security(("bearer" = [])),
    responses(
        (status = 201, description = "Created", body = ImprovementAction, headers(("Location" = String), ("ETag" = String))),
        (status = 400, description = "Malformed JSON", body = ErrorBody),
        (status = 409, description = "The code is taken", body = ErrorBody),
        (status = 413, description = "Body over 1 MiB", body = ErrorBody),
        (status = 415, description = "Body is not JSON", body = ErrorBody),
        (status = 422, description = "Invalid fields", body = ErrorBody),
    )
)]
#[post("")]
pub async fn create_improvement_action(
    ctx: Ctx,
    state: web::Data<AppState>,
    body: ApiJson<NewImprovementAction>,
) -> ApiResult<HttpResponse> {
    ctx.require(Role::Editor)?;
    let body = body.0;
    let actor = ctx.actor();
    let mut conn = state.conn().await?;
    let action = write::create::<ImprovementAction, _>(&mut conn, &actor, move |conn| {
        Box::pin(async move {
            let mut errors = Errors::new();
            errors.code("/code", &body.code);
            errors.text("/title", &body.title, 500);
            if body.due_on.is_some_and(|d| !sensible_date(d)) {
                errors.rule("/due_on", DATE_RANGE_MESSAGE);
            }
            if area_queries::find_many(conn, &[body.area_id])
                .await?
                .is_empty()
            {
                errors.unknown("/area_id", "no improvement area has this id");
            }
            if let Some(o) = body.lead_organisation_id {
                check_org_ids(conn, &mut errors, &[("/lead_organisation_id", o)]).await?;
            }
            errors.finish()?;
            let row = action_queries::insert(
                conn,
                &NewActionRow {
                    id: new_id(),
                    area_id: body.area_id,
                    code: body.code.clone(),
                    title: body.title.trim().into(),
                    sequence: body.sequence,
                    lead_organisation_id: body.lead_organisation_id,
                    due_on: body.due_on,
                },
            )
            .await
            .map_err(|e| duplicate(e, "an improvement action", &body.code))?;
            Ok(row.id)
        })
    })
    .await?;
    Ok(created_record(
        format!("/api/v1/improvement-actions/{}", action.id),
        &action,
    ))
}

/// Change an improvement action
///
/// Editors and admins. A JSON merge patch; needs `If-Match`. The status
/// changes only through progress updates.
#[utoipa::path(
    tag = "improvement",
    request_body(content = ImprovementActionPatch, content_type = "application/merge-patch+json"),
    params(("id" = Uuid, Path, description = "Improvement action id"), crate::resources::IfMatchHeader),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Changed", body = ImprovementAction, headers(("ETag" = String))),
        (status = 400, description = "Malformed JSON", body = ErrorBody),
        (status = 404, description = "No such action", body = ErrorBody),
        (status = 409, description = "The code is taken", body = ErrorBody),
        (status = 412, description = "If-Match is stale", body = ErrorBody),
        (status = 413, description = "Body over 1 MiB", body = ErrorBody),
        (status = 415, description = "Body is not JSON", body = ErrorBody),
        (status = 422, description = "Invalid fields", body = ErrorBody),
        (status = 428, description = "If-Match missing", body = ErrorBody),
    )
)]
#[patch("/{id}")]
pub async fn update_improvement_action(
    ctx: Ctx,
    state: web::Data<AppState>,
    id: web::Path<Uuid>,
    if_match: IfMatch,
    body: ApiJson<ImprovementActionPatch>,
) -> ApiResult<HttpResponse> {
    ctx.require(Role::Editor)?;
    let (id, patch) = (*id, body.0);
    let actor = ctx.actor();
    let mut conn = state.conn().await?;
    let action = write::change::<ImprovementAction, _>(
        &mut conn,
        &actor,
        id,
        Some(&if_match),
        "update",
        move |conn, before| {
            Box::pin(async move {
                let mut errors = Errors::new();
                let code = patch.code.required("/code", &mut errors.0);
                let title = patch.title.required("/title", &mut errors.0);
                let sequence = patch.sequence.nullable();
                let lead = patch.lead_organisation_id.nullable();
                let due_on = patch.due_on.nullable();
                if let Some(c) = &code {
                    errors.code("/code", c);
                }
                if let Some(t) = &title {
                    errors.text("/title", t, 500);
                }
                if due_on.flatten().is_some_and(|d| !sensible_date(d)) {
                    errors.rule("/due_on", DATE_RANGE_MESSAGE);
                }
                if let Some(Some(o)) = lead {
                    check_org_ids(conn, &mut errors, &[("/lead_organisation_id", o)]).await?;
                }
                errors.finish()?;
                let changes = ActionChanges {
                    code: code.clone(),
                    title: title.map(|t| t.trim().into()),
                    sequence,
                    lead_organisation_id: lead,
                    due_on,
                };
                action_queries::update(conn, id, &changes)
                    .await
                    .map_err(|e| {
                        duplicate(
                            e,
                            "an improvement action",
                            code.as_deref().unwrap_or(&before.code),
                        )
                    })?;
                Ok(())
            })
        },
    )
    .await?;
    Ok(ok_record(&action))
}

crate::archive_handlers! {
    module: archive,
    record: ImprovementAction, tag: "improvement", id: "Improvement action id", write: Editor, read: Viewer,
    archive: delete_improvement_action, "Archive an improvement action",
    restore: restore_improvement_action, "Restore an improvement action",
    history: improvement_action_history, "History of an improvement action",
    writers: "Editors and admins.", readers: "Every role may read.",
}

mod updates {
    use super::*;
    use actix_web::{delete, patch};

    crate::progress_handlers! {
        record: ImprovementAction, tag: "improvement", id: "Improvement action id",
        list: list_improvement_action_updates, "Progress updates of an improvement action",
        get: get_improvement_action_update, "Get one progress update of an improvement action",
        create: create_improvement_action_update, "Report progress on an improvement action"
            + "Editors and admins for any action; a contributor only for actions its organisation leads (the action's own lead, or else one of its area's). The update becomes the action's status. `If-Match` is checked when given.",
        missing: "No such action", missing_update: "No such update of this action",
        forbidden: "Not an editor, and not a contributor of a lead organisation",
        patch: update_improvement_action_update, delete: withdraw_improvement_action_update,
    }
}
pub use updates::*;
