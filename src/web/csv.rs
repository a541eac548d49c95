//! CSV as spreadsheets read it: cells neutralised against formula
//! injection on the way out, and the checks a CSV parser leaves to us on
//! the way in.

/// What a spreadsheet takes a cell beginning with to be a formula (OWASP,
/// "CSV Injection").
const FORMULA_STARTS: [char; 6] = ['=', '+', '-', '@', '\t', '\r'];

/// A text cell made safe to open in a spreadsheet: one that would be read
/// as a formula gets a leading apostrophe, which spreadsheets show as text
/// and do not display. Numbers are written as numbers, never through this.
pub fn neutralise(cell: &str) -> std::borrow::Cow<'_, str> {
    if cell.starts_with(FORMULA_STARTS) {
        format!("'{cell}").into()
    } else {
        cell.into()
    }
}

/// The cell [`neutralise`] was given: an export read back in imports the
/// text it exported, not the apostrophe.
pub fn restore(cell: &str) -> &str {
    match cell.strip_prefix('\'') {
        Some(rest) if rest.starts_with(FORMULA_STARTS) => rest,
        _ => cell,
    }
}

/// The line (from 1) of a quoted field that is never closed, if any. A CSV
/// reader takes the rest of the file into such a field without complaint,
/// so every row after it would silently vanish into one value.
pub fn unterminated_quote(body: &[u8]) -> Option<u64> {
    let mut line = 1;
    let mut field_start = true;
    let mut open_since: Option<u64> = None;
    let mut bytes = body.iter().peekable();
    while let Some(&b) = bytes.next() {
        if b == b'\n' {
            line += 1;
        }
        if open_since.is_some() {
            if b == b'"' {
                if bytes.peek() == Some(&&b'"') {
                    bytes.next();
                } else {
                    open_since = None;
                    field_start = false;
                }
            }
            continue;
        }
        match b {
            b'"' if field_start => open_since = Some(line),
            b',' | b'\n' => field_start = true,
            b'\r' => {}
            _ => field_start = false,
        }
    }
    open_since
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formulas_are_neutralised_and_restored() {
        for cell in ["=HYPERLINK(\"x\")", "+1", "-1+2", "@SUM(A1)", "\tx", "\rx"] {
            let out = neutralise(cell);
            assert_eq!(out, format!("'{cell}"));
            assert_eq!(restore(&out), cell);
        }
        assert_eq!(neutralise("care leavers"), "care leavers");
        assert_eq!(restore("'quoted on purpose"), "'quoted on purpose");
    }

    #[test]
    fn an_unterminated_quote_is_found_on_its_line() {
        assert_eq!(unterminated_quote(b"a,b\n\"x,y\n1,2\n"), Some(2));
        assert_eq!(unterminated_quote(b"a,b\n\"x \"\"q\"\" y\",2\n"), None);
        assert_eq!(unterminated_quote(b"a,b\n\"multi\nline\",2\n"), None);
        // A quote inside an unquoted field is text, as the reader takes it.
        assert_eq!(unterminated_quote(b"a,b\n5\" pipe,2\n"), None);
    }
}
