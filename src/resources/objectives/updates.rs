//! Progress updates of objectives, promises and equality actions
//! (`/objectives/{id}/updates`): the same records and rules as a
//! milestone's, setting the objective's own `status`.

use actix_web::{delete, get, patch, post};
use uuid::Uuid;

use super::Objective;
use crate::resources::organisations::OrganisationRef;
use crate::resources::progress;
use crate::store::progress::Deliverable;

impl progress::Reportable for Objective {
    const COLLECTION: &'static str = "/api/v1/objectives";

    fn deliverable(id: Uuid) -> Deliverable {
        Deliverable::Objective(id)
    }

    fn leads(&self) -> Vec<&OrganisationRef> {
        self.lead_organisation.iter().collect()
    }

    fn lock_scope(id: Uuid) -> crate::store::reporting::Scope {
        crate::store::reporting::Scope::Objective(id)
    }
}

crate::progress_handlers! {
    record: Objective, tag: "objectives", id: "Objective id",
    list: list_objective_updates, "Progress updates of an objective, promise or equality action",
    get: get_objective_update, "Get one progress update of an objective",
    create: create_objective_update, "Report progress on an objective, promise or equality action"
        + "Editors and admins for any objective; a contributor only for those its organisation leads. The update for the latest quarter becomes the objective's `status` (and `completed_on` for `complete`), as a milestone's does; a CYPP annual review reads a promise's updates of the year. `If-Match` is checked when given.",
    missing: "No such objective", missing_update: "No such update of this objective",
    forbidden: "Not an editor, and not a contributor of the lead organisation",
    patch: update_objective_update, delete: withdraw_objective_update,
}
