//! Closed vocabularies (kinds, statuses, roles as words). Stored as `text`
//! with a `CHECK` in the database, answered as JSON strings, listed as an
//! `enum` in the OpenAPI document.

/// Declares a vocabulary: an enum whose variants serialize as the given
/// snake_case words, with `as_str`, `parse` and `WORDS`.
#[macro_export]
macro_rules! vocab {
    ($(#[$meta:meta])* $name:ident { $($(#[$vmeta:meta])* $variant:ident = $word:literal),+ $(,)? }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize, utoipa::ToSchema)]
        pub enum $name {
            $($(#[$vmeta])* #[serde(rename = $word)] $variant,)+
        }

        impl $name {
            /// Every word of the vocabulary.
            pub const WORDS: &'static [&'static str] = &[$($word),+];

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
            pub fn from_db(s: &str) -> Result<$name, $crate::error::ApiError> {
                $name::parse(s).ok_or_else(|| $crate::error::ApiError::Internal(
                    format!("unexpected {} {:?} in the database", stringify!($name), s)))
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }
    };
}
