//! `indicator.turned_red`: a write that makes an indicator's status for a
//! period red (from anything else) queues the event in its transaction.
//! The status comes from the same rules as `GET .../performance`, computed
//! before and after the write, and only when a live subscription asks for
//! the event (otherwise the watch costs one query).

use diesel_async::AsyncPgConnection;
use serde::Serialize;
use utoipa::ToSchema;
use uuid::Uuid;

use super::performance::{compute, Due, IndicatorPerformance, Options};
use crate::domain::performance::Rag;
use crate::domain::period::Period;
use crate::store::indicators::IndicatorRow;
use crate::web::error::ApiResult;

/// The event's name.
const EVENT: &str = "indicator.turned_red";

const OPTIONS: Options = Options {
    as_of: None,
    due: Due::NotDue,
    sub_groups: false,
};

/// What `indicator.turned_red` sends as `data`.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct TurnedRed {
    pub indicator_id: Uuid,
    /// The status before the write (`amber`, `green`, `missing`, ...).
    pub previous_rag: Rag,
    /// The performance now, as `GET /indicators/{id}/performance?period=` answers it.
    pub performance: IndicatorPerformance,
}

/// A status being watched across a write.
pub struct RedWatch {
    row: IndicatorRow,
    period: Period,
    before: Rag,
}

impl RedWatch {
    /// Reads the status before the write; `None` when nobody listens.
    pub async fn start(
        conn: &mut AsyncPgConnection,
        row: &IndicatorRow,
        period: &Period,
    ) -> ApiResult<Option<RedWatch>> {
        if !crate::store::webhooks::wanted(conn, EVENT).await? {
            return Ok(None);
        }
        let before = compute(conn, std::slice::from_ref(row), period, &OPTIONS)
            .await?
            .pop()
            .map(|p| p.assessment.rag);
        Ok(before.map(|before| RedWatch {
            row: row.clone(),
            period: period.clone(),
            before,
        }))
    }

    /// Reads the status after the write and queues the event if it turned red.
    pub async fn finish(self, conn: &mut AsyncPgConnection) -> ApiResult<()> {
        let Some(now) = compute(
            conn,
            std::slice::from_ref(&self.row),
            &self.period,
            &OPTIONS,
        )
        .await?
        .pop() else {
            return Ok(());
        };
        if now.assessment.rag != Rag::Red || self.before == Rag::Red {
            return Ok(());
        }
        let data = TurnedRed {
            indicator_id: self.row.id,
            previous_rag: self.before,
            performance: now,
        };
        let data = serde_json::to_value(&data)
            .map_err(|e| crate::web::error::ApiError::Internal(e.to_string()))?;
        crate::store::webhooks::enqueue(conn, EVENT, data).await?;
        Ok(())
    }
}
