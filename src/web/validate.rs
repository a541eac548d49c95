//! Field checks shared by every resource. Each pushes a [`FieldError`] and
//! lets the caller collect all of them before answering one 422.

use crate::web::error::{ApiError, ApiResult, FieldError};

/// Collects field errors, counting those a JSON Schema could not foresee.
#[derive(Debug, Default)]
pub struct Errors(pub Vec<FieldError>, Unforeseeable);

/// How many of the collected errors break a rule across fields or over time,
/// or name a record that does not exist: things the OpenAPI document cannot
/// say, so they answer their own problem types.
#[derive(Debug, Default)]
pub struct Unforeseeable {
    rules: usize,
    references: usize,
}

impl Errors {
    pub fn new() -> Errors {
        Errors::default()
    }

    /// A value of the wrong form: what the schema says (`validation_failed`).
    pub fn add(&mut self, pointer: &str, message: impl Into<String>) {
        self.0.push(FieldError::new(pointer, message));
    }

    /// A rule across fields, or over time (`rule_violated`): `ends_on`
    /// before `starts_on`, a plan following itself, a date in the future.
    pub fn rule(&mut self, pointer: &str, message: impl Into<String>) {
        self.1.rules += 1;
        self.add(pointer, message);
    }

    /// A well-formed id that names no record (`unknown_reference`).
    pub fn unknown(&mut self, pointer: &str, message: impl Into<String>) {
        self.1.references += 1;
        self.add(pointer, message);
    }

    /// A human code: 1–40 characters, letters, digits, space and `._&/-`,
    /// starting with a letter or digit (`HBC`, `SS LI1`, `SS1-0910-2`).
    pub fn code(&mut self, pointer: &str, value: &str) {
        let ok = !value.is_empty()
            && value.len() <= 40
            && value
                .chars()
                .next()
                .is_some_and(|c| c.is_ascii_alphanumeric())
            && value.chars().last().is_some_and(|c| c != ' ')
            && value
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || " ._&/-".contains(c));
        if !ok {
            self.add(
                pointer,
                "must be 1 to 40 characters: letters, digits, space and . _ & / -, starting with a letter or digit",
            );
        }
    }

    /// Required text, not blank, at most `max` characters.
    pub fn text(&mut self, pointer: &str, value: &str, max: usize) {
        if is_blank(value) {
            self.add(pointer, "may not be blank");
        } else if value.chars().count() > max {
            self.add(pointer, format!("may be at most {max} characters"));
        }
    }

    /// Optional text, at most `max` characters.
    pub fn opt_text(&mut self, pointer: &str, value: Option<&str>, max: usize) {
        if let Some(v) = value {
            self.text(pointer, v, max);
        }
    }

    /// Answers 422 with every error collected, if any: `validation_failed`
    /// when any is of the wrong form, else `rule_violated` when any breaks
    /// a rule, else `unknown_reference`.
    pub fn finish(self) -> ApiResult<()> {
        let Errors(errors, counts) = self;
        let shape = errors.len() - counts.rules - counts.references;
        match () {
            _ if errors.is_empty() => Ok(()),
            _ if shape > 0 => Err(ApiError::Validation(errors)),
            _ if counts.rules > 0 => Err(ApiError::RuleViolated(errors)),
            _ => Err(ApiError::UnknownReference(errors)),
        }
    }
}

/// Whether a text holds nothing but whitespace: Rust's (which has U+0085)
/// and ECMAScript's (which has U+FEFF), so that the OpenAPI document's
/// not-blank pattern and this check agree on every string.
pub fn is_blank(value: &str) -> bool {
    value.chars().all(|c| c.is_whitespace() || c == '\u{feff}')
}

/// The dates this service accepts: the partnership's records start in the
/// 1990s at the earliest, and nothing is planned beyond 2100.
pub fn sensible_date(d: chrono::NaiveDate) -> bool {
    use chrono::Datelike;
    (1990..=2100).contains(&d.year())
}

/// What [`sensible_date`] answers for a date outside its range.
pub const DATE_RANGE_MESSAGE: &str = "must be a date from 1990-01-01 to 2100-12-31";

#[cfg(test)]
mod tests {
    use super::is_blank;

    #[test]
    fn blank_is_whitespace_as_rust_and_ecmascript_count_it() {
        for blank in ["", " ", "\t\n", "\u{85}", "\u{feff}", "\u{a0}\u{3000}"] {
            assert!(is_blank(blank), "{blank:?}");
        }
        for text in ["a", " a ", "\u{85}x"] {
            assert!(!is_blank(text), "{text:?}");
        }
    }
}
