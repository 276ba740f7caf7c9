//! The rules of the numeric kinds: payment cards (Luhn and network), IBANs (country length and
//! mod 97) and phone numbers (digit counts by plan, dates and other numbers turned away).

use super::rules::{after, before, is_word};

/// Lengths of IBANs by country (the SWIFT IBAN registry).
pub(super) const IBAN_LENGTHS: &[(&str, usize)] = &[
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
pub(super) fn iban_ok(m: &str) -> Option<usize> {
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
pub(super) fn end_after_alnums(bytes: &[u8], start: usize, n: usize) -> usize {
    let mut seen = 0;
    let mut i = start;
    while i < bytes.len() && seen < n {
        seen += bytes[i].is_ascii_alphanumeric() as usize;
        i += 1;
    }
    i
}

pub(super) fn luhn(digits: &[u8]) -> bool {
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
pub(super) fn card_network(d: &[u8]) -> bool {
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

pub(super) fn card_ok(bytes: &[u8], m: &str, a: usize, b: usize) -> bool {
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
    let digits = digit_values(m);
    (13..=19).contains(&digits.len()) && card_network(&digits) && luhn(&digits)
}

/// Whether position `a` follows the groups of an IBAN-like text (`FR76 3000 6000 `, `NL69 HJCG `):
/// groups of four capitals or digits back to a country code and two digits. The digits of an
/// IBAN whose check failed are not read as a card or phone number.
pub(super) fn in_iban_groups(bytes: &[u8], a: usize) -> bool {
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

/// Long because it is one rule after another that a phone-shaped match must pass, each a few lines
/// with its reason.
pub(super) fn phone_ok(bytes: &[u8], m: &str, a: usize, b: usize) -> bool {
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
    let digits = digit_values(m);
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
pub(super) fn trimmed_phone_shape(m: &str) -> bool {
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
pub(super) fn is_date_like(groups: &[&str]) -> bool {
    let num = |g: &str| g.parse::<u32>().ok();
    let year = |g: &str| g.len() == 4 && num(g).is_some_and(|y| (1900..=2100).contains(&y));
    let small = |g: &str, max: u32| g.len() <= 2 && num(g).is_some_and(|v| (1..=max).contains(&v));
    groups.windows(3).any(|w| {
        year(w[0]) && small(w[1], 12) && small(w[2], 31)
            || small(w[0], 31) && small(w[1], 31) && year(w[2])
    })
}

/// The values of the ASCII digits of `m`, in order (separators left out).
fn digit_values(m: &str) -> Vec<u8> {
    m.bytes()
        .filter(u8::is_ascii_digit)
        .map(|c| c - b'0')
        .collect()
}
