//! Codes that name things: agency codes.

/// Whether `code` is a valid agency slug.
pub fn valid_agency_code(code: &str) -> bool {
    (2..=40).contains(&code.len())
        && code.starts_with(|c: char| c.is_ascii_lowercase())
        && code
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn agency_codes() {
        for ok in ["police", "womens-union", "labour2"] {
            assert!(valid_agency_code(ok), "{ok}");
        }
        for bad in ["", "p", "Police", "2police", "a b", "x'--", &"a".repeat(41)] {
            assert!(!valid_agency_code(bad), "{bad}");
        }
    }
}
