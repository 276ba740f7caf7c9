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

use super::mask::{
    mask_digits, mask_email, mask_iban, mask_ipv4, mask_ipv6, mask_secret, mask_token,
};
use super::numbers::{card_ok, end_after_alnums, iban_ok, phone_ok, trimmed_phone_shape};
use super::rules::{
    email_ok, high_entropy_token, ipv4_ok, ipv6_ok, is_token_byte, labelled_secret, labelled_value,
    public_data, LABELLED_MIN, TOKEN_MIN,
};
use regex::Regex;
use std::sync::OnceLock;

/// The kinds the scan counts, in the order they are reported.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum PiiKind {
    /// An e-mail address (`local@domain.tld`).
    Email,
    /// An international or national phone number.
    Phone,
    /// A payment card number that passes the Luhn check and fits a card network.
    PaymentCard,
    /// An IBAN of its country's length that passes the mod-97 check.
    Iban,
    /// An IPv4 or IPv6 address.
    IpAddress,
    /// A key, token or password: a known token format, a private key, a password in a URL,
    /// a value after a label naming a secret, or a high-entropy token.
    Secret,
}

impl PiiKind {
    /// Every kind, in the order they are reported.
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

    /// The kind of a name as [`PiiKind::name`] gives it; `None` for any other.
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
    /// What was found.
    pub kind: PiiKind,
    /// Byte offset of its start in the string.
    pub start: usize,
    /// Byte offset just past its end (exclusive).
    pub end: usize,
    /// The masked text (never the value itself).
    pub masked: String,
}

struct Detectors {
    private_key: Regex,
    public_pem: Regex,
    labelled: Regex,
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
            public_pem: re(
                r"(?s)-----BEGIN (?:PUBLIC KEY|RSA PUBLIC KEY|CERTIFICATE|CERTIFICATE REQUEST|OPENSSH PUBLIC KEY|PGP PUBLIC KEY BLOCK)-----.*?(?:-----END [A-Z ]+-----|\z)",
            ),
            labelled: re(
                r#"(?i)\b(password|passwd|pwd|secret|client_secret|api[_-]?key|access[_-]?key|secret[_-]?key|auth[_-]?token|access[_-]?token|token)["']?\s*[:=]\s*["']?([^\s"',;&]+)"#,
            ),
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
///
/// Long because every detector runs in the one pass over the string, gated by the cheap facts found
/// first (digits, `@`, `:`, capitals); one function per detector would pass those facts around or
/// count them again.
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
    // `password=…`, `"api_key": "…"`: the value after a word that names a secret. Passwords
    // count from 6 characters (not a placeholder such as `******` or `null`); keys and tokens
    // from 16, with digits, mixed case or the spread of a random string.
    if bytes.len() >= 10 {
        for c in d.labelled.captures_iter(s) {
            let (label, v) = (c.get(1).expect("a label"), c.get(2).expect("a value"));
            let (a, b) = (v.start(), v.end());
            if claimed(out, a, b) || !labelled_value(label.as_str(), v.as_str()) {
                continue;
            }
            out.push(finding(PiiKind::Secret, a, b, mask_secret(v.as_str())));
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
        // Public keys and certificates are random-looking and public: their bodies are skipped.
        let public: Vec<(usize, usize)> = if s.contains("-----BEGIN ") {
            d.public_pem
                .find_iter(s)
                .map(|m| (m.start(), m.end()))
                .collect()
        } else {
            Vec::new()
        };
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
            if tok.len() < LABELLED_MIN
                || claimed(out, a, i)
                || public_data(bytes, a, tok)
                || public.iter().any(|&(x, y)| x <= a && i <= y)
            {
                continue;
            }
            if (tok.len() >= TOKEN_MIN && upper && high_entropy_token(tok))
                || labelled_secret(bytes, a, tok)
            {
                out.push(finding(PiiKind::Secret, a, i, mask_secret(tok)));
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
            ("password=correcthorsebatterystaple", vec![Secret]),
            ("\"api_key\": \"abcdefghijklmnopqrstuvwx\"", vec![Secret]),
            ("PASSWORD='P@ssw0rd!2024-very-long'", vec![Secret]),
            ("password: hunter2x", vec![Secret]),
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
            "Mozilla/5.0 (X11; Linux x86_64) Chrome/120.0.0.0 Safari/537.36 Edg/120.0.0.0",
            "com.example.app/4.2.1.0",
            "integrity=\"sha512-z4PhNX7vuL3xVChQ1m2AB9Yg5AULVxXcg/SpIdNs6c5H0NE8XYXysP+DGNKHfuwvY7kxvUR4fL5P8UtKvXYKqw==\"",
            "golang.org/x/text v0.3.7 h1:olpwvP2KacW1ZWvsR7uQhoyTYvKAupfQrRGBFM352Gk=",
            "-----BEGIN PUBLIC KEY-----\nMIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEAu1SU1LfVLPHCozMxH2Mo\n-----END PUBLIC KEY-----",
            "password=******** and secret: null and PWD=/home/runner/work",
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
