//! The rules of the textual kinds: e-mail addresses, IP addresses and secret tokens, and the
//! byte helpers every rule shares.

pub(super) fn is_word(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'_'
}

pub(super) fn before(bytes: &[u8], a: usize) -> Option<u8> {
    a.checked_sub(1).map(|i| bytes[i])
}

pub(super) fn after(bytes: &[u8], b: usize) -> Option<u8> {
    bytes.get(b).copied()
}

pub(super) fn s_contains(hay: &[u8], needle: &[u8]) -> bool {
    hay.windows(needle.len()).any(|w| w == needle)
}

/// File extensions that follow `@2x` and the like in asset names (`icon@2x.png`): not domains.
pub(super) const NOT_TLDS: &[&str] = &[
    "png", "jpg", "jpeg", "gif", "svg", "webp", "bmp", "ico", "css", "js", "json", "pdf", "txt",
    "html", "htm", "xml", "mp4", "mp3", "wav", "zip", "gz", "tar",
];

pub(super) fn email_ok(bytes: &[u8], m: &str, a: usize, b: usize) -> bool {
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

pub(super) fn ipv4_ok(bytes: &[u8], a: usize, b: usize) -> bool {
    // Not four parts of a longer dotted sequence (`1.2.3.4.5`, an OID), a version (`v1.2.3.4`)
    // or a product's version in a user agent (`Chrome/120.0.0.0`; a URL's `//` host is kept).
    let product = a >= 2 && bytes[a - 1] == b'/' && bytes[a - 2].is_ascii_alphanumeric();
    if product
        || before(bytes, a).is_some_and(|c| c == b'.' || is_word(c) || c == b'-')
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

pub(super) fn ipv6_ok(bytes: &[u8], m: &str, a: usize, b: usize) -> bool {
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

/// Shortest token read as a possible secret.
pub(super) const TOKEN_MIN: usize = 20;

/// Shortest token read as a secret after a word that names one (`token=`).
pub(super) const LABELLED_MIN: usize = 16;

/// Random-looking text that is not a secret: a public key's body, inline base64 data, a
/// multipart boundary.
pub(super) fn public_data(bytes: &[u8], a: usize, t: &str) -> bool {
    let head = &bytes[a.saturating_sub(24)..a];
    [
        &b"ssh-rsa "[..],
        b"ssh-ed25519 ",
        b"ssh-dss ",
        b"base64,",
        b"boundary=",
        b"h1:",
    ]
    .iter()
    .any(|p| head.ends_with(p))
        || s_contains(head, b"ecdsa-sha2-")
        || t.contains("FormBoundary")
        // Subresource-integrity and package-lock digests.
        || ["sha512-", "sha384-", "sha256-", "sha1-"]
            .iter()
            .any(|p| t.starts_with(p))
}

pub(super) fn is_token_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || matches!(b, b'+' | b'/' | b'_' | b'-')
}

/// A run of token characters that looks random: lower and upper case letters and at least two
/// digits, changing character class often (random strings do, identifiers and words do not),
/// with a Shannon entropy of at least 3.5 bits a character, and not a path.
pub(super) fn high_entropy_token(t: &str) -> bool {
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
pub(super) fn lower_run_share(b: &[u8]) -> f64 {
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
pub(super) fn labelled_secret(bytes: &[u8], a: usize, t: &str) -> bool {
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

pub(super) fn entropy(b: &[u8]) -> f64 {
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

/// Whether the value after a label naming a secret (`password`, `api_key`, …) is one.
pub(super) fn labelled_value(label: &str, v: &str) -> bool {
    let label = label.to_ascii_lowercase();
    let b = v.as_bytes();
    let placeholder = b.iter().all(|&c| c == b[0])
        || [
            "null",
            "none",
            "true",
            "false",
            "undefined",
            "changeme",
            "redacted",
            "<redacted>",
        ]
        .contains(&v.to_ascii_lowercase().as_str())
        || v.starts_with("${")
        || v.starts_with("{{")
        || v.starts_with('$');
    // `PWD=/home/user` is the shell's working directory.
    if placeholder || label == "pwd" && (v.starts_with('/') || v.starts_with('~')) {
        return false;
    }
    if matches!(
        label.as_str(),
        "password" | "passwd" | "pwd" | "secret" | "client_secret"
    ) {
        return v.chars().count() >= 6;
    }
    let digits = b.iter().any(u8::is_ascii_digit);
    let mixed = b.iter().any(u8::is_ascii_lowercase) && b.iter().any(u8::is_ascii_uppercase);
    b.len() >= 16
        && b.iter().all(|c| {
            c.is_ascii_alphanumeric() || matches!(c, b'_' | b'-' | b'.' | b'/' | b'+' | b'=')
        })
        && (digits || mixed || entropy(b) >= 4.0)
        && entropy(b) >= 3.0
}
