//! Who may do what, in one place: the roles of API.md's table and the
//! organisation scope of reporting ("a contributor reports only on what its
//! organisation leads"). Handlers ask here; nothing else words a refusal.

use crate::web::auth::{AuthUser, Role};
use crate::web::error::{ApiError, ApiResult};

/// Whose records a caller may report progress on (updates, statuses,
/// indicator values and commentary).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ReportScope {
    /// Editors and admins: every record.
    Any,
    /// A contributor: the records its organisation (this code) leads.
    LedBy(String),
}

impl ReportScope {
    /// The caller's scope; 403 below contributor.
    pub fn of(user: &AuthUser) -> ApiResult<ReportScope> {
        user.require(Role::Contributor)?;
        Ok(if user.is(Role::Editor) {
            ReportScope::Any
        } else {
            ReportScope::LedBy(user.org.clone())
        })
    }

    /// The organisation code a query must restrict to, if any.
    pub fn organisation(&self) -> Option<&str> {
        match self {
            ReportScope::Any => None,
            ReportScope::LedBy(org) => Some(org),
        }
    }

    /// Ok when the scope covers a record (`what`, e.g. `NI59`) led by the
    /// organisations `leads` (codes); else the one 403 every report path gives.
    pub fn check(&self, what: &str, leads: &[&str]) -> ApiResult<()> {
        match self {
            ReportScope::Any => Ok(()),
            ReportScope::LedBy(org) if leads.contains(&org.as_str()) => Ok(()),
            ReportScope::LedBy(org) => Err(ApiError::Forbidden(format!(
                "a contributor reports only on what its organisation leads; \
                 {what} is led by {}, your token is for {org}",
                if leads.is_empty() {
                    "no organisation".to_string()
                } else {
                    leads.join(", ")
                }
            ))),
        }
    }

    /// Ok unless a contributor validates a value, or changes one already
    /// validated (`current`, the stored status): that is the editors' word.
    pub fn check_value_status(&self, new: &str, current: Option<&str>) -> ApiResult<()> {
        if *self == ReportScope::Any {
            return Ok(());
        }
        if new == "validated" {
            return Err(ApiError::Forbidden(
                "only editors and admins may set status validated".into(),
            ));
        }
        if current == Some("validated") {
            return Err(ApiError::Forbidden(
                "the value is validated; only editors and admins may change it".into(),
            ));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_contributor_reports_only_on_what_its_organisation_leads() {
        let scope = ReportScope::LedBy("HBC-SS".into());
        assert!(scope.check("NI59", &["HBC-SS", "PCT"]).is_ok());
        let err = scope
            .check("NI59", &["PCT"])
            .expect_err("PCT leads it")
            .to_string();
        assert!(err.contains("NI59 is led by PCT"), "{err}");
        assert!(scope.check("NI59", &[]).is_err());
        assert!(ReportScope::Any.check("NI59", &[]).is_ok());
    }

    #[test]
    fn only_editors_validate() {
        let scope = ReportScope::LedBy("HBC-SS".into());
        assert!(scope.check_value_status("provisional", None).is_ok());
        assert!(scope.check_value_status("validated", None).is_err());
        assert!(scope
            .check_value_status("provisional", Some("validated"))
            .is_err());
        assert!(ReportScope::Any
            .check_value_status("validated", Some("validated"))
            .is_ok());
    }
}
