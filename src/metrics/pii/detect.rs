//! The detectors of the PII and secrets scan: one pass of each over a string, in a fixed order,
//! where a span claimed by an earlier detector is never counted again by a later one (a card
//! number inside an IBAN, the digits of an e-mail address read as a phone number).
//!
//! Every detector favours precision: a candidate is counted only after a check that its shape
//! alone cannot pass by chance where one exists (the Luhn digit of card numbers, the mod-97
//! check of IBANs with the length of their country, the octet range of IPv4 addresses, the
//! parse of IPv6 addresses), and after rules that turn away the usual look-alikes (dates and
//! times read as phone numbers, version strings read as IPv4 addresses, `icon@2x.png` read as
//! an e-mail address, camelCase identifiers and paths read as tokens). The limits of each are
//! documented in `docs/report.md`.

use regex::Regex;
use std::sync::OnceLock;

/// The kinds the scan counts, in the order they are reported.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum PiiKind {
    Email,
    Phone,
    PaymentCard,
    Iban,
    IpAddress,
    Secret,
}

impl PiiKind {
    pub const ALL: [PiiKind; 6] = [
        PiiKind::Email,
        PiiKind::Phone,
        PiiKind::PaymentCard,
        PiiKind::Iban,
        PiiKind::IpAddress,
        PiiKind::Secret,
    ];

    /// The kind's name in profiles and reports.
    pub fn name(self) -> &'static str {
        match self {
            PiiKind::Email => "email",
            PiiKind::Phone => "phone",
            PiiKind::PaymentCard => "payment_card",
            PiiKind::Iban => "iban",
            PiiKind::IpAddress => "ip_address",
            PiiKind::Secret => "secret",
        }
    }

    pub fn from_name(s: &str) -> Option<PiiKind> {
        PiiKind::ALL.into_iter().find(|k| k.name() == s)
    }

    /// Words for people.
    pub fn label(self) -> &'static str {
        match self {
            PiiKind::Email => "e-mail addresses",
            PiiKind::Phone => "phone numbers",
            PiiKind::PaymentCard => "payment card numbers",
            PiiKind::Iban => "IBANs",
            PiiKind::IpAddress => "IP addresses",
            PiiKind::Secret => "secrets and keys",
        }
    }
}

/// One finding: its kind, where it is in the string, and what it is (for secrets, the format).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Finding {
    pub kind: PiiKind,
    pub start: usize,
    pub end: usize,
    /// The masked text (never the value itself).
    pub masked: String,
}

struct Detectors {
    private_key: Regex,
    known_secret: Regex,
    url_credentials: Regex,
    email: Regex,
    iban: Regex,
    card: Regex,
    ipv6: Regex,
    ipv4: Regex,
    phone: Regex,
}

fn detectors() -> &'static Detectors {
    static D: OnceLock<Detectors> = OnceLock::new();
    D.get_or_init(|| {
        let re = |s: &str| Regex::new(s).expect("a valid pattern");
        Detectors {
            private_key: re(
                r"-----BEGIN (?:RSA |EC |DSA |OPENSSH |PGP |ENCRYPTED )?PRIVATE KEY(?: BLOCK)?-----",
            ),
            known_secret: re(concat!(
                r"\b(?:",
                r"(?:AKIA|ASIA|AGPA|AIDA|AROA|AIPA|ANPA|ANVA)[A-Z0-9]{16}",
                r"|gh[pousr]_[A-Za-z0-9]{36,255}",
                r"|github_pat_[A-Za-z0-9_]{22,255}",
                r"|glpat-[A-Za-z0-9_-]{20,}",
                r"|xox[abposr]-[A-Za-z0-9-]{10,}",
                r"|AIza[0-9A-Za-z_-]{35}",
                r"|(?:sk|rk|pk)_(?:live|test)_[0-9A-Za-z]{16,}",
                r"|sk-(?:proj-|ant-)?[A-Za-z0-9_-]{20,}",
                r"|npm_[A-Za-z0-9]{36}",
                r"|eyJ[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}",
                r"|hooks\.slack\.com/services/T[A-Z0-9]+/B[A-Z0-9]+/[A-Za-z0-9]+",
                r")\b"
            )),
            url_credentials: re(r"\b[A-Za-z][A-Za-z0-9+.-]{1,15}://[^\s:/@]*:[^\s/@]+@[^\s/@:]+"),
            email: re(r"[A-Za-z0-9][A-Za-z0-9._%+-]{0,63}@[A-Za-z0-9](?:[A-Za-z0-9-]{0,62}\.)+[A-Za-z]{2,24}\b"),
            iban: re(r"(?i)\b[A-Z]{2}[0-9]{2}(?:[A-Z0-9]{11,30}|(?: [A-Z0-9]{4}){2,7}(?: [A-Z0-9]{1,4})?)\b"),
            card: re(r"\b[0-9](?:[ -]?[0-9]){12,18}\b"),
            ipv6: re(r"[0-9A-Fa-f]{0,4}(?::[0-9A-Fa-f]{0,4}){2,7}"),
            ipv4: re(
                r"\b(?:25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])(?:\.(?:25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])){3}\b",
            ),
            phone: re(
                r"(?:\+[0-9]{1,3}[ .-]?)?(?:\([0-9]{1,4}\)[ .-]?)?[0-9]{1,14}(?:[ .-][0-9]{1,8}){0,5}",
            ),
        }
    })
}

/// Scan one string: every finding, in the detectors' order.
pub fn scan(s: &str, out: &mut Vec<Finding>) {
    out.clear();
    let bytes = s.as_bytes();
    // Cheap facts that let most strings skip most detectors.
    let (mut digits, mut at, mut colon, mut upper) = (0usize, false, false, false);
    for &b in bytes {
        digits += b.is_ascii_digit() as usize;
        at |= b == b'@';
        colon |= b == b':';
        upper |= b.is_ascii_uppercase();
    }
    let d = detectors();
    let claimed =
        |out: &Vec<Finding>, a: usize, b: usize| out.iter().any(|f| f.start < b && a < f.end);
    if bytes.len() >= 20 && s.contains("PRIVATE KEY") {
        for m in d.private_key.find_iter(s) {
            // The key's body is part of the one finding: up to its END line, or the base64
            // lines that follow the header when the END line is missing.
            let end = match s[m.end()..].find("-----END") {
                Some(i) => {
                    let e = m.end() + i + 8;
                    e + s[e..].find("-----").map_or(s.len() - e, |j| j + 5)
                }
                None => {
                    let mut e = m.end();
                    while let Some(line) = s[e..].strip_prefix('\n').or(s[e..].strip_prefix("\r\n"))
                    {
                        let len = line.find(['\r', '\n']).unwrap_or(line.len());
                        let body = &line[..len];
                        let base64 = !body.is_empty()
                            && body.bytes().all(|c| {
                                c.is_ascii_alphanumeric() || matches!(c, b'+' | b'/' | b'=')
                            });
                        if !base64 {
                            break;
                        }
                        e = s.len() - line.len() + len;
                    }
                    e
                }
            };
            if !claimed(out, m.start(), end) {
                out.push(finding(
                    PiiKind::Secret,
                    m.start(),
                    end,
                    "-----BEGIN … PRIVATE KEY-----".into(),
                ));
            }
        }
    }
    if bytes.len() >= 20 {
        for m in d.known_secret.find_iter(s) {
            if !claimed(out, m.start(), m.end()) {
                out.push(finding(
                    PiiKind::Secret,
                    m.start(),
                    m.end(),
                    mask_token(m.as_str()),
                ));
            }
        }
    }
    if at && colon {
        // `scheme://user:password@host`: a password in a URL.
        for m in d.url_credentials.find_iter(s) {
            if !claimed(out, m.start(), m.end()) {
                let scheme = &m.as_str()[..m.as_str().find("://").unwrap_or(0)];
                out.push(finding(
                    PiiKind::Secret,
                    m.start(),
                    m.end(),
                    format!("{scheme}://***:***@… (credentials in a URL)"),
                ));
            }
        }
    }
    if at {
        for m in d.email.find_iter(s) {
            let (a, b) = (m.start(), m.end());
            if claimed(out, a, b) || !email_ok(bytes, m.as_str(), a, b) {
                continue;
            }
            out.push(finding(PiiKind::Email, a, b, mask_email(m.as_str())));
        }
    }
    if digits >= 2 && bytes.len() >= 15 {
        for m in d.iban.find_iter(s) {
            if claimed(out, m.start(), m.end()) {
                continue;
            }
            if let Some(len) = iban_ok(m.as_str()) {
                // The IBAN's own characters (a trailing word the spaced form took is not one).
                let end = end_after_alnums(bytes, m.start(), len);
                out.push(finding(
                    PiiKind::Iban,
                    m.start(),
                    end,
                    mask_iban(&s[m.start()..end]),
                ));
            }
        }
    }
    if digits >= 13 {
        for m in d.card.find_iter(s) {
            let (a, b) = (m.start(), m.end());
            if claimed(out, a, b) || !card_ok(bytes, m.as_str(), a, b) {
                continue;
            }
            out.push(finding(
                PiiKind::PaymentCard,
                a,
                b,
                mask_digits(m.as_str(), 4),
            ));
        }
    }
    if colon {
        for m in d.ipv6.find_iter(s) {
            let (a, b) = (m.start(), m.end());
            if claimed(out, a, b) || !ipv6_ok(bytes, m.as_str(), a, b) {
                continue;
            }
            out.push(finding(PiiKind::IpAddress, a, b, mask_ipv6(m.as_str())));
        }
    }
    if digits >= 4 {
        for m in d.ipv4.find_iter(s) {
            let (a, b) = (m.start(), m.end());
            if claimed(out, a, b) || !ipv4_ok(bytes, a, b) {
                continue;
            }
            out.push(finding(PiiKind::IpAddress, a, b, mask_ipv4(m.as_str())));
        }
    }
    if digits >= 8 {
        for m in d.phone.find_iter(s) {
            let a = m.start();
            // The pattern takes every group it can; a number that follows the phone number
            // (`+1 212 867 5309 192.168.1.1`, `020 7946 0958 1st floor`) is dropped group by
            // group until what is left reads as one, or nothing does.
            let mut b = m.end();
            loop {
                let whole = b == m.end();
                if !claimed(out, a, b)
                    && (whole || trimmed_phone_shape(&s[a..b]))
                    && phone_ok(bytes, &s[a..b], a, b)
                {
                    out.push(finding(PiiKind::Phone, a, b, mask_digits(&s[a..b], 2)));
                    break;
                }
                let Some(cut) = s[a..b].rfind([' ', '.', '-']) else {
                    break;
                };
                b = a + s[a..a + cut].trim_end_matches([' ', '.', '-']).len();
                if b <= a {
                    break;
                }
            }
        }
    }
    if bytes.len() >= LABELLED_MIN {
        let mut i = 0;
        while i < bytes.len() {
            if !is_token_byte(bytes[i]) {
                i += 1;
                continue;
            }
            let a = i;
            while i < bytes.len() && is_token_byte(bytes[i]) {
                i += 1;
            }
            let tok = &s[a..i];
            if tok.len() < LABELLED_MIN || claimed(out, a, i) || public_data(bytes, a, tok) {
                continue;
            }
            if (tok.len() >= TOKEN_MIN && upper && high_entropy_token(tok))
                || labelled_secret(bytes, a, tok)
            {
                out.push(finding(PiiKind::Secret, a, i, mask_token(tok)));
            }
        }
    }
}

fn finding(kind: PiiKind, start: usize, end: usize, masked: String) -> Finding {
    Finding {
        kind,
        start,
        end,
        masked,
    }
}

fn is_word(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'_'
}

fn before(bytes: &[u8], a: usize) -> Option<u8> {
    a.checked_sub(1).map(|i| bytes[i])
}

fn after(bytes: &[u8], b: usize) -> Option<u8> {
    bytes.get(b).copied()
}

fn s_contains(hay: &[u8], needle: &[u8]) -> bool {
    hay.windows(needle.len()).any(|w| w == needle)
}

/// File extensions that follow `@2x` and the like in asset names (`icon@2x.png`): not domains.
const NOT_TLDS: &[&str] = &[
    "png", "jpg", "jpeg", "gif", "svg", "webp", "bmp", "ico", "css", "js", "json", "pdf", "txt",
    "html", "htm", "xml", "mp4", "mp3", "wav", "zip", "gz", "tar",
];

fn email_ok(bytes: &[u8], m: &str, a: usize, b: usize) -> bool {
    // Not the tail of a longer local part the pattern could not start at.
    if before(bytes, a).is_some_and(|c| c == b'.' || c == b'@' || is_word(c)) {
        return false;
    }
    // `user@host:path` (an scp or git remote) and `https://user@host/` (a URL's user).
    if after(bytes, b) == Some(b'@') || after(bytes, b) == Some(b':') {
        return false;
    }
    let word_start = bytes[..a]
        .iter()
        .rposition(|c| c.is_ascii_whitespace() || matches!(c, b'"' | b'\'' | b'<' | b'('))
        .map_or(0, |i| i + 1);
    if s_contains(&bytes[word_start..a], b"://") {
        return false;
    }
    let (local, domain) = m.split_once('@').expect("the pattern has an @");
    if local.ends_with('.') || local.contains("..") || domain.contains("..") {
        return false;
    }
    let tld = domain.rsplit('.').next().unwrap_or("");
    let first_label = domain.split('.').next().unwrap_or("");
    // `logo@2x.png`: a scale suffix, not a domain.
    if NOT_TLDS.contains(&tld.to_ascii_lowercase().as_str())
        && first_label.bytes().all(|c| c.is_ascii_digit() || c == b'x')
    {
        return false;
    }
    !NOT_TLDS.contains(&tld.to_ascii_lowercase().as_str()) || domain.split('.').count() > 2
}

/// Lengths of IBANs by country (the SWIFT IBAN registry).
const IBAN_LENGTHS: &[(&str, usize)] = &[
    ("AD", 24),
    ("AE", 23),
    ("AL", 28),
    ("AT", 20),
    ("AZ", 28),
    ("BA", 20),
    ("BE", 16),
    ("BG", 22),
    ("BH", 22),
    ("BI", 27),
    ("BR", 29),
    ("BY", 28),
    ("CH", 21),
    ("CR", 22),
    ("CY", 28),
    ("CZ", 24),
    ("DE", 22),
    ("DJ", 27),
    ("DK", 18),
    ("DO", 28),
    ("EE", 20),
    ("EG", 29),
    ("ES", 24),
    ("FI", 18),
    ("FK", 18),
    ("FO", 18),
    ("FR", 27),
    ("GB", 22),
    ("GE", 22),
    ("GI", 23),
    ("GL", 18),
    ("GR", 27),
    ("GT", 28),
    ("HR", 21),
    ("HU", 28),
    ("IE", 22),
    ("IL", 23),
    ("IQ", 23),
    ("IS", 26),
    ("IT", 27),
    ("JO", 30),
    ("KW", 30),
    ("KZ", 20),
    ("LB", 28),
    ("LC", 32),
    ("LI", 21),
    ("LT", 20),
    ("LU", 20),
    ("LV", 21),
    ("LY", 25),
    ("MC", 27),
    ("MD", 24),
    ("ME", 22),
    ("MK", 19),
    ("MN", 20),
    ("MR", 27),
    ("MT", 31),
    ("MU", 30),
    ("NI", 28),
    ("NL", 18),
    ("NO", 15),
    ("OM", 23),
    ("PK", 24),
    ("PL", 28),
    ("PS", 29),
    ("PT", 25),
    ("QA", 29),
    ("RO", 24),
    ("RS", 22),
    ("RU", 33),
    ("SA", 24),
    ("SC", 31),
    ("SD", 18),
    ("SE", 24),
    ("SI", 19),
    ("SK", 24),
    ("SM", 27),
    ("SO", 23),
    ("ST", 25),
    ("SV", 28),
    ("TL", 23),
    ("TN", 24),
    ("TR", 26),
    ("UA", 29),
    ("VA", 22),
    ("VG", 24),
    ("XK", 20),
];

/// The IBAN's length when `m` (spaces allowed) starts with a valid one: its country's length and
/// the mod-97 check (ISO 13616).
fn iban_ok(m: &str) -> Option<usize> {
    let compact: Vec<u8> = m
        .bytes()
        .filter(|&b| b != b' ')
        .map(|b| b.to_ascii_uppercase())
        .collect();
    let country = std::str::from_utf8(&compact[..2]).ok()?;
    let len = IBAN_LENGTHS.iter().find(|(c, _)| *c == country)?.1;
    if compact.len() < len {
        return None;
    }
    // A longer match is accepted only when the rest is a separate trailing group.
    if compact.len() > len {
        let spaced = m.contains(' ');
        if !spaced {
            return None;
        }
    }
    let iban = &compact[..len];
    let mut rem: u32 = 0;
    for &c in iban[4..].iter().chain(&iban[..4]) {
        let v = match c {
            b'0'..=b'9' => (c - b'0') as u32,
            b'A'..=b'Z' => (c - b'A') as u32 + 10,
            _ => return None,
        };
        rem = if v >= 10 {
            (rem * 100 + v) % 97
        } else {
            (rem * 10 + v) % 97
        };
    }
    (rem == 1).then_some(len)
}

/// The byte offset after `n` alphanumeric characters from `start`.
fn end_after_alnums(bytes: &[u8], start: usize, n: usize) -> usize {
    let mut seen = 0;
    let mut i = start;
    while i < bytes.len() && seen < n {
        seen += bytes[i].is_ascii_alphanumeric() as usize;
        i += 1;
    }
    i
}

fn luhn(digits: &[u8]) -> bool {
    let mut sum = 0u32;
    for (i, &d) in digits.iter().rev().enumerate() {
        let mut v = d as u32;
        if i % 2 == 1 {
            v *= 2;
            if v > 9 {
                v -= 9;
            }
        }
        sum += v;
    }
    sum.is_multiple_of(10)
}

/// Whether the leading digits are those of a card network (Visa, Mastercard, American Express,
/// Discover, JCB, Diners Club, UnionPay, Maestro, Mir) and the length one it issues.
fn card_network(d: &[u8]) -> bool {
    let n = d.len();
    let p = |k: usize| d[..k].iter().fold(0u32, |a, &x| a * 10 + x as u32);
    match d[0] {
        4 => matches!(n, 13 | 16 | 19),
        5 => {
            (51..=55).contains(&p(2)) && n == 16
                || (p(2) == 50 || (56..=59).contains(&p(2))) && (12..=19).contains(&n)
        }
        // Mastercard's 2-series and Mir.
        2 => n == 16 && ((2221..=2720).contains(&p(4)) || (2200..=2204).contains(&p(4))),
        3 => {
            (p(2) == 34 || p(2) == 37) && n == 15
                || (3528..=3589).contains(&p(4)) && (16..=19).contains(&n)
                || ((300..=305).contains(&p(3)) || p(2) == 36 || p(2) == 38 || p(2) == 39)
                    && (14..=19).contains(&n)
        }
        6 => {
            (p(4) == 6011 || p(2) == 65 || (644..=649).contains(&p(3))) && (16..=19).contains(&n)
                || p(2) == 62 && (16..=19).contains(&n)
                || (p(2) == 63 || p(2) == 67) && (12..=19).contains(&n)
        }
        _ => false,
    }
}

fn card_ok(bytes: &[u8], m: &str, a: usize, b: usize) -> bool {
    // Not part of a longer number, a decimal or a dotted identifier.
    if before(bytes, a).is_some_and(|c| c.is_ascii_digit() || c == b'.' || c == b'-' || c == b'+')
        || after(bytes, b)
            .is_some_and(|c| c == b'.' && bytes.get(b + 1).is_some_and(u8::is_ascii_digit))
    {
        return false;
    }
    if in_iban_groups(bytes, a) {
        return false;
    }
    // One separator style, in groups of at least 3 digits (`4111 1111 1111 1111`,
    // `3782-822463-10005`), or none.
    let seps: Vec<u8> = m.bytes().filter(|c| !c.is_ascii_digit()).collect();
    if seps.windows(2).any(|w| w[0] != w[1]) {
        return false;
    }
    // (A 13-digit Visa read in fours ends in one digit: `4111 1111 1111 1`.)
    let groups: Vec<usize> = m.split([' ', '-']).map(str::len).collect();
    let last_short = groups.len() == 4 && groups[..3] == [4, 4, 4];
    if !seps.is_empty()
        && groups[..groups.len() - last_short as usize]
            .iter()
            .any(|&g| g < 3)
    {
        return false;
    }
    let digits: Vec<u8> = m
        .bytes()
        .filter(u8::is_ascii_digit)
        .map(|c| c - b'0')
        .collect();
    (13..=19).contains(&digits.len()) && card_network(&digits) && luhn(&digits)
}

/// Whether position `a` follows the groups of an IBAN-like text (`FR76 3000 6000 `, `NL69 HJCG `):
/// groups of four capitals or digits back to a country code and two digits. The digits of an
/// IBAN whose check failed are not read as a card or phone number.
fn in_iban_groups(bytes: &[u8], a: usize) -> bool {
    let mut i = a;
    for _ in 0..8 {
        if i < 5 || bytes[i - 1] != b' ' {
            return false;
        }
        let g = &bytes[i - 5..i - 1];
        if !g.iter().all(|c| c.is_ascii_alphanumeric()) {
            return false;
        }
        let boundary = i < 6 || !bytes[i - 6].is_ascii_alphanumeric();
        if boundary
            && g[0].is_ascii_alphabetic()
            && g[1].is_ascii_alphabetic()
            && g[2].is_ascii_digit()
            && g[3].is_ascii_digit()
        {
            return true;
        }
        i -= 5;
    }
    false
}

fn ipv4_ok(bytes: &[u8], a: usize, b: usize) -> bool {
    // Not four parts of a longer dotted sequence (`1.2.3.4.5`, an OID) or a version (`v1.2.3.4`).
    if before(bytes, a).is_some_and(|c| c == b'.' || is_word(c) || c == b'-')
        || after(bytes, b).is_some_and(|c| is_word(c) || c == b'-')
        || (after(bytes, b) == Some(b'.') && bytes.get(b + 1).is_some_and(|c| is_word(*c)))
    {
        return false;
    }
    // A preceding word that names a version.
    let head = std::str::from_utf8(&bytes[a.saturating_sub(16)..a])
        .unwrap_or("")
        .to_ascii_lowercase();
    let word = head
        .trim_end_matches([' ', ':', '=', '(', '"', '\''])
        .rsplit([' ', '(', '"', '\'', ',', ';'])
        .next()
        .unwrap_or("");
    !matches!(
        word,
        "version"
            | "ver"
            | "ver."
            | "v"
            | "v."
            | "release"
            | "rel"
            | "rel."
            | "build"
            | "firmware"
            | "kernel"
            | "libversion"
            | "vers"
            | "vsn"
    )
}

fn ipv6_ok(bytes: &[u8], m: &str, a: usize, b: usize) -> bool {
    // A full stop may end the sentence; a dot and a word character continue a name.
    // Nor part of a longer run of colon groups (an SSH fingerprint, `16:27:ac:…:48`).
    if before(bytes, a).is_some_and(|c| is_word(c) || c == b':' || c == b'.')
        || after(bytes, b).is_some_and(|c| is_word(c) || c == b':')
        || (after(bytes, b) == Some(b'.') && bytes.get(b + 1).is_some_and(|c| is_word(*c)))
    {
        return false;
    }
    let colons = m.bytes().filter(|&c| c == b':').count();
    // All eight groups, or a compressed form; at least two groups written.
    if !(colons == 7 || m.contains("::")) || m.matches("::").count() > 1 {
        return false;
    }
    // At least two groups and four hex digits written (`a::b` in code is not an address).
    if m.split(':').filter(|g| !g.is_empty()).count() < 2
        || m.bytes().filter(u8::is_ascii_hexdigit).count() < 4
    {
        return false;
    }
    m.parse::<std::net::Ipv6Addr>().is_ok()
}

fn phone_ok(bytes: &[u8], m: &str, a: usize, b: usize) -> bool {
    let plus = m.starts_with('+');
    // `Tel:+1 …` is a phone number; `10:30 …` is a time.
    if before(bytes, a).is_some_and(|c| {
        is_word(c)
            || c == b'.'
            || c == b'-'
            || c == b'/'
            || c == b'+'
            || c == b'$'
            || (c == b':' && !plus)
    }) || after(bytes, b).is_some_and(|c| {
        is_word(c)
            || c == b':'
            || c == b'/'
            || c == b'%'
            || (c == b'.' || c == b'-' || c == b',')
                && bytes.get(b + 1).is_some_and(u8::is_ascii_digit)
    }) || in_iban_groups(bytes, a)
    {
        return false;
    }
    let digits: Vec<u8> = m
        .bytes()
        .filter(u8::is_ascii_digit)
        .map(|c| c - b'0')
        .collect();
    let n = digits.len();
    let groups: Vec<&str> = m
        .split([' ', '.', '-', '(', ')', '+'])
        .filter(|g| !g.is_empty())
        .collect();
    // An international prefix written as `00` or `011` counts as a `+`.
    let country = |g: &str| (1..=3).contains(&g.len()) && !g.starts_with('0');
    let idd = !plus
        && groups.len() >= 2
        && (groups[0].len() > 2 && groups[0].starts_with("00") && country(&groups[0][2..])
            || groups[0] == "00" && country(groups[1])
            || groups[0] == "011");
    if digits.iter().all(|&d| d == 0) {
        return false;
    }
    let spaced = m.contains(' ') && !m.contains(['.', '-']);
    if plus || idd {
        let prefix = if idd { groups[0].len().min(3) } else { 0 };
        if !(8..=15).contains(&(n - prefix.min(n))) {
            return false;
        }
    } else if !((10..=11).contains(&n)
        // National numbers with a trunk 0 run to 12 digits (`0151 36501276`).
        || n == 12 && digits[0] == 0
        // Spain's 9 digits in 3-2-2-2.
        || n == 9
            && spaced
            && groups.iter().map(|g| g.len()).eq([3, 2, 2, 2]))
    {
        return false;
    }
    // Thousands in groups of three (`1 234 567 890`) are a number, not a phone.
    if !plus
        && !idd
        && spaced
        && groups.len() >= 3
        && groups[0].len() <= 3
        && !groups[0].starts_with('0')
        && groups[1..].iter().all(|g| g.len() == 3)
    {
        return false;
    }
    // A number labelled as something else: a serial, an ISBN, an item or order number.
    let head = std::str::from_utf8(&bytes[a.saturating_sub(12)..a])
        .unwrap_or("")
        .to_ascii_lowercase();
    let label = head
        .trim_end_matches([' ', ':', '#', '=', '.'])
        .rsplit([' ', '(', '"', '\'', ',', ';'])
        .next()
        .unwrap_or("");
    if matches!(
        label,
        "isbn" | "issn" | "serial" | "s/n" | "sn" | "item" | "sku" | "part" | "model" | "ref"
    ) {
        return false;
    }
    // A run of digits alone (an id, a Unix time) is not read as a phone number; a `+` or
    // separators make one.
    if !plus && groups.len() < 2 {
        return false;
    }
    if is_date_like(&groups) {
        return false;
    }
    // One separator style besides the parentheses and a space after them.
    let seps: Vec<u8> = m.bytes().filter(|c| matches!(c, b'.' | b'-')).collect();
    if seps.windows(2).any(|w| w[0] != w[1]) {
        return false;
    }
    // Dotted numbers are phones only as 3-3-4 (`415.555.0132`) or pairs (`01.23.45.67.89`),
    // else decimals, versions or addresses (`12.3456.7890`, `557.425.61.404`).
    if seps.first() == Some(&b'.') && !plus {
        let sizes: Vec<usize> = groups.iter().map(|g| g.len()).collect();
        if sizes != [3, 3, 4] && !(sizes.len() == 5 && sizes.iter().all(|&g| g == 2)) {
            return false;
        }
    }
    true
}

/// Whether what is left of a longer match after its last groups were dropped still reads as a
/// phone number of its own: international (`+`), an area code in parentheses, or a national
/// grouping (3-3-4, 3-4-4, 4-3-3, five pairs). `3419 254863` left of a card-length number
/// (`3419 254863 19285`) is not.
fn trimmed_phone_shape(m: &str) -> bool {
    if m.starts_with('+') || m.starts_with('(') {
        return true;
    }
    let sizes: Vec<usize> = m
        .split([' ', '.', '-'])
        .filter(|g| !g.is_empty())
        .map(str::len)
        .collect();
    matches!(
        sizes.as_slice(),
        [3, 3, 4] | [3, 4, 4] | [4, 3, 3] | [2, 2, 2, 2, 2]
    )
}

/// Groups that read as a date (`2023-01-15 1030`, `15 01 2023 ...`, `2023 01 15`).
fn is_date_like(groups: &[&str]) -> bool {
    let num = |g: &str| g.parse::<u32>().ok();
    let year = |g: &str| g.len() == 4 && num(g).is_some_and(|y| (1900..=2100).contains(&y));
    let small = |g: &str, max: u32| g.len() <= 2 && num(g).is_some_and(|v| (1..=max).contains(&v));
    groups.windows(3).any(|w| {
        year(w[0]) && small(w[1], 12) && small(w[2], 31)
            || small(w[0], 31) && small(w[1], 31) && year(w[2])
    })
}

/// Shortest token read as a possible secret.
const TOKEN_MIN: usize = 20;
/// Shortest token read as a secret after a word that names one (`token=`).
const LABELLED_MIN: usize = 16;

/// Random-looking text that is not a secret: a public key's body, inline base64 data, a
/// multipart boundary.
fn public_data(bytes: &[u8], a: usize, t: &str) -> bool {
    let head = &bytes[a.saturating_sub(24)..a];
    [
        &b"ssh-rsa "[..],
        b"ssh-ed25519 ",
        b"ssh-dss ",
        b"base64,",
        b"boundary=",
    ]
    .iter()
    .any(|p| head.ends_with(p))
        || s_contains(head, b"ecdsa-sha2-")
        || t.contains("FormBoundary")
}

fn is_token_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || matches!(b, b'+' | b'/' | b'_' | b'-')
}

/// A run of token characters that looks random: lower and upper case letters and at least two
/// digits, changing character class often (random strings do, identifiers and words do not),
/// with a Shannon entropy of at least 3.5 bits a character, and not a path.
fn high_entropy_token(t: &str) -> bool {
    let b = t.as_bytes();
    if b[0] == b'/' || t.contains("//") || b.iter().filter(|&&c| c == b'/').count() > 2 {
        return false;
    }
    let class = |c: u8| match c {
        b'a'..=b'z' => 0u8,
        b'A'..=b'Z' => 1,
        b'0'..=b'9' => 2,
        _ => 3,
    };
    let (mut has, mut changes) = ([0usize; 4], 0usize);
    for (i, &c) in b.iter().enumerate() {
        has[class(c) as usize] += 1;
        if i > 0 && class(c) != class(b[i - 1]) {
            changes += 1;
        }
    }
    if has[0] == 0 || has[1] == 0 || has[2] == 0 || changes * 4 < b.len() {
        return false;
    }
    // Separators that make words (`snake_case_names-like-this`) are not random.
    if has[3] * 5 > b.len() {
        return false;
    }
    // Words: identifiers (`testShouldReturn404WhenUserIsMissing`) keep most of their letters
    // in lower-case runs of three or more; random strings rarely do.
    if lower_run_share(b) >= 0.4 {
        return false;
    }
    entropy(b) >= 3.5
}

/// Share of the bytes in runs of three or more lower-case letters.
fn lower_run_share(b: &[u8]) -> f64 {
    let (mut inside, mut run) = (0usize, 0usize);
    for &c in b.iter().chain(std::iter::once(&b' ')) {
        if c.is_ascii_lowercase() {
            run += 1;
        } else {
            if run >= 3 {
                inside += run;
            }
            run = 0;
        }
    }
    inside as f64 / b.len().max(1) as f64
}

/// A token that follows a word naming a secret (`token=`, `Bearer `, `"api_key": "`,
/// `password=`): read with a lower bar (16 characters, letters and digits, not a word).
fn labelled_secret(bytes: &[u8], a: usize, t: &str) -> bool {
    let head = std::str::from_utf8(&bytes[a.saturating_sub(24)..a])
        .unwrap_or("")
        .to_ascii_lowercase();
    let head = head.trim_end_matches([' ', ':', '=', '"', '\'']);
    let labelled = [
        "token",
        "bearer",
        "api_key",
        "apikey",
        "api-key",
        "secret",
        "password",
        "passwd",
        "pwd",
        "access_key",
        "secret_key",
        "private_key",
        "auth",
        "authorization",
        "client_secret",
    ]
    .iter()
    .any(|w| head.ends_with(w));
    if !labelled || t.len() < 16 {
        return false;
    }
    let b = t.as_bytes();
    let letters = b.iter().filter(|c| c.is_ascii_alphabetic()).count();
    let digits = b.iter().filter(|c| c.is_ascii_digit()).count();
    let mixed = b.iter().any(u8::is_ascii_lowercase) && b.iter().any(u8::is_ascii_uppercase);
    letters > 0 && (digits > 0 || mixed) && lower_run_share(b) < 0.8 && entropy(b) >= 3.0
}

fn entropy(b: &[u8]) -> f64 {
    let mut freq = [0u32; 256];
    for &c in b {
        freq[c as usize] += 1;
    }
    let n = b.len() as f64;
    freq.iter()
        .filter(|&&f| f > 0)
        .map(|&f| {
            let p = f as f64 / n;
            -p * p.log2()
        })
        .sum()
}

fn mask_email(m: &str) -> String {
    let (local, domain) = m.split_once('@').expect("an @");
    let tld = domain.rsplit('.').next().unwrap_or("");
    let first = |s: &str| s.chars().next().map(String::from).unwrap_or_default();
    format!("{}***@{}***.{}", first(local), first(domain), tld)
}

/// Digits but the last `keep` replaced by `*`; separators kept.
fn mask_digits(m: &str, keep: usize) -> String {
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

fn mask_iban(m: &str) -> String {
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

fn mask_ipv4(m: &str) -> String {
    let first = m.split('.').next().unwrap_or("");
    format!("{first}.*.*.*")
}

fn mask_ipv6(m: &str) -> String {
    let first = m.split(':').next().unwrap_or("");
    format!("{first}:****:…")
}

/// The first four characters, then `*` (at most 12), and the length.
fn mask_token(t: &str) -> String {
    let head: String = t.chars().take(4).collect();
    let n = t.chars().count();
    format!(
        "{head}{} ({n} chars)",
        "*".repeat(n.saturating_sub(4).min(12))
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kinds(s: &str) -> Vec<PiiKind> {
        let mut out = Vec::new();
        scan(s, &mut out);
        out.iter().map(|f| f.kind).collect()
    }

    #[test]
    fn finds_each_kind() {
        use PiiKind::*;
        assert_eq!(kinds("write to jane.doe+news@example.co.uk today"), [Email]);
        assert_eq!(
            kinds("call +1 415-555-0132 or (415) 555-0199"),
            [Phone, Phone]
        );
        assert_eq!(kinds("UK: 020 7946 0958"), [Phone]);
        assert_eq!(kinds("card 4111 1111 1111 1111 exp 12/29"), [PaymentCard]);
        assert_eq!(kinds("amex 3782-822463-10005."), [PaymentCard]);
        assert_eq!(kinds("IBAN DE89 3704 0044 0532 0130 00, thanks"), [Iban]);
        assert_eq!(kinds("GB82WEST12345698765432"), [Iban]);
        assert_eq!(
            kinds("from 192.168.10.254 and 2001:db8::8a2e:370:7334"),
            [IpAddress, IpAddress]
        );
        assert_eq!(kinds("key AKIAIOSFODNN7EXAMPLE"), [Secret]);
        assert_eq!(kinds("-----BEGIN RSA PRIVATE KEY-----\nMIIE"), [Secret]);
        assert_eq!(kinds("token=Xk9fQ2LmZp7TqW3vB8nR4sYd"), [Secret]);
    }

    #[test]
    fn look_alikes_are_not_findings() {
        for s in [
            "card 4111 1111 1111 1112",                     // Luhn fails
            "order 1234567890123456",                       // no network, Luhn
            "on 2023-01-15 10:30:00",                       // a date and time
            "dated 15.01.2023, 12 items",                   // a date
            "version 1.2.3.4 released",                     // a version
            "v10.0.19041.1 build",                          // a version
            "1.2.3.4.5 is an OID-like path",                // five parts
            "logo@2x.png and icon@3x.jpg",                  // asset names
            "DE89 3704 0044 0532 0130 01",                  // IBAN check fails
            "std::vector<int> and a::b",                    // C++ names
            "at 12:30:45 sharp",                            // a time
            "unix time 1700000000 and id 12345678901",      // runs of digits
            "AbstractSingletonProxyFactoryBean",            // an identifier
            "/usr/local/lib/Python3.11/site-packages",      // a path
            "sha 3f786850e387550fdab836ed7e6dc881de23001b", // a digest, no upper case
            "price 1,234,567.89 USD",
            "550e8400-e29b-41d4-a716-446655440000", // a UUID
        ] {
            assert_eq!(kinds(s), [], "{s}");
        }
    }

    #[test]
    fn formats_and_contexts_seen_in_real_data() {
        use PiiKind::*;
        for (s, want) in [
            ("Phone: 0151 36501276", vec![Phone]),
            ("ring 0049 30 12345678 or 00 44 20 7946 0958", vec![Phone, Phone]),
            ("móvil 612 34 56 78", vec![Phone]),
            ("Phone: 0473 940 075", vec![Phone]),
            ("+1 212 867 5309 192.168.1.1", vec![IpAddress, Phone]),
            ("(212) 555-0123 10.0.0.1", vec![IpAddress, Phone]),
            ("Tel: 020 7946 0958 1st floor", vec![Phone]),
            ("Tel +44 20 7946 0958 2024-05-01", vec![Phone]),
            ("iban de45943518999133036148", vec![Iban]),
            ("iban nl78 ycvo 6848 7870 65", vec![Iban]),
            ("Card number: 4021 4056 3747 3", vec![PaymentCard]),
            ("postgres://admin:j84GdBxbmrbR7XaZmdDG@db.internal:5432/app", vec![Secret]),
            ("Authorization: Bearer kGqj4VFACMLeTHOGOIYaqBlAvqWVukcm", vec![Secret]),
            ("password=qrzom8Ai8A60pIYv", vec![Secret]),
            ("https://hooks.slack.com/services/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", vec![Secret]),
            // A private key's body is part of its one finding.
            ("-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAABG5vbmUAAAAEbm9uZQAAAAAAAAABAAAAMwAAAAtzc2gtZW\n-----END OPENSSH PRIVATE KEY-----", vec![Secret]),
            ("-----BEGIN RSA PRIVATE KEY-----\nMIIEpAIBAAKCAQEA3Tz2mr7SZiAMfQyuvBjM9Oi7Z8q2vYw1x3", vec![Secret]),
        ] {
            assert_eq!(kinds(s), want, "{s}");
        }
        for s in [
            "ISBN 0-306-40615-2",
            "S/N 1234-5678-90",
            "Serial 123-4567-8901",
            "population 1 234 567 890 habitants",
            "value 557.425.61.404 measured",
            "0000 0000 0000 0000",
            "the regarding 3418 286991 15847, about",
            "fingerprint 16:27:ac:a5:76:28:2d:36:63:1b:56:4d:eb:df:a6:48",
            "ab:ab:ab:ab:ab:ab:ab:ab:ab",
            "git@github.com:org/repo.git",
            "https://user@example.com/path",
            "testShouldReturn404WhenUserIsMissing ImageNet1kResNet50Pretrained",
            "convertUtf8ToUtf16StringBuffer parseHttp2ResponseHeaderV3Compat",
            "ssh-rsa AAAAB3NzaC1yc2EAAAADAQABAAABAQC7xL2f+rWOeJ3jmqv06utoy8CvQmVmQTV6TRUKgetoVj8nJ2Tt5NToIX9EFYtu user@host",
            "data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==",
            "boundary=----WebKitFormBoundary7MA4YWxkTrZu0gW",
        ] {
            assert_eq!(kinds(s), [], "{s}");
        }
    }

    #[test]
    fn masks_never_show_the_value() {
        let mut out = Vec::new();
        scan(
            "jane.doe@example.com 4111-1111-1111-1111 +44 20 7946 0958",
            &mut out,
        );
        let masked: Vec<&str> = out.iter().map(|f| f.masked.as_str()).collect();
        assert_eq!(
            masked,
            ["j***@e***.com", "****-****-****-1111", "+** ** **** **58"]
        );
    }
}
