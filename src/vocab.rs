//! Closed vocabularies (kinds, statuses, roles as words). Stored as `text`
//! with a `CHECK` in the database, answered as JSON strings, listed as an
//! `enum` in the OpenAPI document.

/// Declares a vocabulary: an enum whose variants serialize as the given
/// snake_case words, with `as_str`, `parse` and `WORDS`.
///
/// The OpenAPI schema is written here from `WORDS` rather than derived:
/// utoipa's derive cannot see a `serde(rename)` whose word arrives through a
/// macro, and listed the Rust variant names instead of the wire words. The
/// words' doc comments become the schema's description, one line per word.
#[macro_export]
macro_rules! vocab {
    ($(#[doc = $doc:literal])* $name:ident { $($(#[doc = $vdoc:literal])* $variant:ident = $word:literal),+ $(,)? }) => {
        $(#[doc = $doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
        pub enum $name {
            $($(#[doc = $vdoc])* #[serde(rename = $word)] $variant,)+
        }

        impl $name {
            /// Every word of the vocabulary.
            pub const WORDS: &'static [&'static str] = &[$($word),+];
            /// Each word with its documentation (empty where there is none).
            pub const WORD_DOCS: &'static [(&'static str, &'static str)] =
                &[$(($word, concat!($($vdoc, "\n",)* ""))),+];

            /// The word for this value.
            pub fn as_str(self) -> &'static str {
                match self { $($name::$variant => $word,)+ }
            }

            /// The value for a word.
            pub fn parse(s: &str) -> Option<$name> {
                match s { $($word => Some($name::$variant),)+ _ => None }
            }

            /// Reads a stored word; the database's CHECK constraint makes any
            /// other word impossible, so one is an internal error.
            pub fn from_db(s: &str) -> Result<$name, $crate::web::error::ApiError> {
                $name::parse(s).ok_or_else(|| $crate::web::error::ApiError::Internal(
                    format!("unexpected {} {:?} in the database", stringify!($name), s)))
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl utoipa::PartialSchema for $name {
            fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
                $crate::vocab::enum_schema(concat!($($doc, "\n",)* ""), Self::WORD_DOCS).into()
            }
        }

        impl utoipa::ToSchema for $name {
            fn name() -> std::borrow::Cow<'static, str> {
                std::borrow::Cow::Borrowed(stringify!($name))
            }
        }
    };
}

/// The schema of a vocabulary: a string enum of its words, described by the
/// enum's doc comment followed by one line per documented word.
pub fn enum_schema(doc: &str, words: &[(&str, &str)]) -> utoipa::openapi::schema::Object {
    use utoipa::openapi::schema::{ObjectBuilder, Type};
    let mut description = tidy_doc(doc);
    let documented: Vec<String> = words
        .iter()
        .filter(|(_, d)| !d.trim().is_empty())
        .map(|(w, d)| format!("- `{w}`: {}", tidy_doc(d).replace('\n', " ")))
        .collect();
    if !documented.is_empty() {
        description.push_str("\n\n");
        description.push_str(&documented.join("\n"));
    }
    ObjectBuilder::new()
        .schema_type(Type::String)
        .enum_values(Some(words.iter().map(|(w, _)| *w)))
        .description((!description.is_empty()).then_some(description))
        .build()
}

/// Doc-comment text as utoipa writes it: each line without its leading space.
fn tidy_doc(doc: &str) -> String {
    doc.lines()
        .map(|l| l.strip_prefix(' ').unwrap_or(l))
        .collect::<Vec<_>>()
        .join("\n")
        .trim()
        .to_string()
}
