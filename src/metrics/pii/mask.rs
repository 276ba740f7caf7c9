//! Masks: what a finding is shown as, never the value itself.

pub(super) fn mask_email(m: &str) -> String {
    let (local, domain) = m.split_once('@').expect("an @");
    let tld = domain.rsplit('.').next().unwrap_or("");
    let first = |s: &str| s.chars().next().map(String::from).unwrap_or_default();
    format!("{}***@{}***.{}", first(local), first(domain), tld)
}

/// Digits but the last `keep` replaced by `*`; separators kept.
pub(super) fn mask_digits(m: &str, keep: usize) -> String {
    let total = m.bytes().filter(u8::is_ascii_digit).count();
    let mut seen = 0;
    m.chars()
        .map(|c| {
            if c.is_ascii_digit() {
                seen += 1;
                if seen > total.saturating_sub(keep) {
                    return c;
                }
                '*'
            } else {
                c
            }
        })
        .collect()
}

pub(super) fn mask_iban(m: &str) -> String {
    let total = m.bytes().filter(u8::is_ascii_alphanumeric).count();
    let mut seen = 0;
    m.chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() {
                seen += 1;
                if seen <= 2 || seen > total.saturating_sub(4) {
                    return c;
                }
                '*'
            } else {
                c
            }
        })
        .collect()
}

pub(super) fn mask_ipv4(m: &str) -> String {
    let first = m.split('.').next().unwrap_or("");
    format!("{first}.*.*.*")
}

pub(super) fn mask_ipv6(m: &str) -> String {
    let first = m.split(':').next().unwrap_or("");
    format!("{first}:****:…")
}

/// The first four characters, then `*` (at most 12), and the length.
/// A secret of no known format: nothing of it but its length.
pub(super) fn mask_secret(t: &str) -> String {
    let n = t.chars().count();
    format!("{} ({n} chars)", "*".repeat(n.min(12)))
}

/// A key of a known format: its format's prefix (`AKIA`, `ghp_`), then `*`.
pub(super) fn mask_token(t: &str) -> String {
    let head: String = t.chars().take(4).collect();
    let n = t.chars().count();
    format!(
        "{head}{} ({n} chars)",
        "*".repeat(n.saturating_sub(4).min(12))
    )
}
