//! A seeded text corpus with planted PII and secrets of known counts, in the formats people
//! write them, and look-alikes that must not match (card numbers that fail the Luhn check,
//! dates and times, version strings and OIDs, prices, UUIDs and digests, asset names, IBANs
//! with a wrong check). The truth is written beside each text, one count per kind, so the
//! scan's precision and recall can be measured (`datassay generate --pii`).

use super::PiiKind;
use crate::util::rng::Rng;
use arrow::array::{ArrayRef, RecordBatch, StringArray, UInt32Array, UInt64Array};
use std::sync::Arc;

fn pick<'a>(r: &mut Rng, v: &[&'a str]) -> &'a str {
    v[(r.next_u64() % v.len() as u64) as usize]
}

fn below(r: &mut Rng, n: u64) -> u64 {
    r.next_u64() % n
}

fn digits(r: &mut Rng, n: usize) -> String {
    (0..n)
        .map(|_| char::from(b'0' + below(r, 10) as u8))
        .collect()
}

fn chars(r: &mut Rng, alphabet: &[u8], n: usize) -> String {
    (0..n)
        .map(|_| alphabet[below(r, alphabet.len() as u64) as usize] as char)
        .collect()
}

const UPPER_DIGITS: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
const ALNUM: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
const WORDS: &[&str] = &[
    "please",
    "contact",
    "regarding",
    "the",
    "order",
    "shipment",
    "invoice",
    "meeting",
    "notes",
    "customer",
    "wrote",
    "about",
    "update",
    "account",
    "support",
    "ticket",
    "review",
    "today",
];

fn luhn_digit(body: &[u8]) -> u8 {
    // The check digit that makes body + digit pass.
    let mut sum = 0u32;
    for (i, &d) in body.iter().rev().enumerate() {
        let mut v = d as u32;
        if i % 2 == 0 {
            v *= 2;
            if v > 9 {
                v -= 9;
            }
        }
        sum += v;
    }
    ((10 - sum % 10) % 10) as u8
}

fn card_number(r: &mut Rng) -> Vec<u8> {
    let (prefix, len): (&str, usize) = match below(r, 6) {
        0 => ("4", 16),
        1 => (pick(r, &["51", "52", "53", "54", "55"]), 16),
        2 => (pick(r, &["34", "37"]), 15),
        3 => ("6011", 16),
        4 => ("4", 13),
        _ => (pick(r, &["2221", "2720", "2500"]), 16),
    };
    let mut d: Vec<u8> = prefix.bytes().map(|b| b - b'0').collect();
    while d.len() < len - 1 {
        d.push(below(r, 10) as u8);
    }
    d.push(luhn_digit(&d));
    d
}

fn card_text(r: &mut Rng, d: &[u8]) -> String {
    let s: String = d.iter().map(|x| char::from(b'0' + x)).collect();
    match (d.len(), below(r, 3)) {
        (16, 1) => format!("{} {} {} {}", &s[..4], &s[4..8], &s[8..12], &s[12..]),
        (16, 2) => format!("{}-{}-{}-{}", &s[..4], &s[4..8], &s[8..12], &s[12..]),
        (15, 1) => format!("{} {} {}", &s[..4], &s[4..10], &s[10..]),
        _ => s,
    }
}

fn iban(r: &mut Rng, valid: bool) -> String {
    let (cc, bban) = match below(r, 6) {
        0 => ("DE", digits(r, 18)),
        1 => (
            "GB",
            format!(
                "{}{}",
                chars(r, b"ABCDEFGHIJKLMNOPQRSTUVWXYZ", 4),
                digits(r, 14)
            ),
        ),
        2 => ("FR", digits(r, 23)),
        3 => ("ES", digits(r, 20)),
        4 => (
            "NL",
            format!(
                "{}{}",
                chars(r, b"ABCDEFGHIJKLMNOPQRSTUVWXYZ", 4),
                digits(r, 10)
            ),
        ),
        _ => (
            "IT",
            format!(
                "{}{}",
                chars(r, b"ABCDEFGHIJKLMNOPQRSTUVWXYZ", 1),
                chars(r, UPPER_DIGITS, 22)
            ),
        ),
    };
    // Check digits: 98 - (BBAN + country + "00") mod 97.
    let mut rem = 0u32;
    for c in bban.bytes().chain(cc.bytes()).chain(*b"00") {
        let v = if c.is_ascii_digit() {
            (c - b'0') as u32
        } else {
            (c - b'A') as u32 + 10
        };
        rem = if v >= 10 {
            (rem * 100 + v) % 97
        } else {
            (rem * 10 + v) % 97
        };
    }
    let mut check = 98 - rem;
    if !valid {
        // Any other check digits but those equal modulo 97 (01 and 98 pass alike).
        let right = check % 97;
        while check % 97 == right {
            check = below(r, 100) as u32;
        }
    }
    let compact = format!("{cc}{check:02}{bban}");
    if below(r, 2) == 0 {
        compact
    } else {
        compact
            .as_bytes()
            .chunks(4)
            .map(|c| std::str::from_utf8(c).expect("ASCII"))
            .collect::<Vec<_>>()
            .join(" ")
    }
}

fn email(r: &mut Rng) -> String {
    let first = pick(
        r,
        &["jane", "john", "maria", "li", "ahmed", "olga", "p", "sam"],
    );
    let last = pick(
        r,
        &[
            "doe", "smith", "garcia", "chen", "khan", "ivanova", "o-neil",
        ],
    );
    let local = match below(r, 4) {
        0 => format!("{first}.{last}"),
        1 => format!("{first}_{last}{}", below(r, 100)),
        2 => format!("{}{last}+news", &first[..1]),
        _ => format!("{}{}", first.to_uppercase(), below(r, 1000)),
    };
    let domain = pick(
        r,
        &[
            "example.com",
            "mail.example.co.uk",
            "uni-berlin.de",
            "corp.io",
            "Example.ORG",
        ],
    );
    format!("{local}@{domain}")
}

fn phone(r: &mut Rng) -> String {
    let area = 201 + below(r, 700);
    let exch = 200 + below(r, 800);
    let line = digits(r, 4);
    match below(r, 11) {
        0 => format!("+1 ({area}) {exch}-{line}"),
        1 => format!("+1-{area}-{exch}-{line}"),
        2 => format!("({area}) {exch}-{line}"),
        3 => format!("{area}-{exch}-{line}"),
        4 => format!("{area}.{exch}.{line}"),
        5 => format!("+44 20 {} {}", digits(r, 4), digits(r, 4)),
        6 => format!("+44 (0)20 {} {}", digits(r, 4), digits(r, 4)),
        7 => format!("+49 30 {}", digits(r, 8)),
        8 => format!(
            "+33 1 {} {} {} {}",
            digits(r, 2),
            digits(r, 2),
            digits(r, 2),
            digits(r, 2)
        ),
        9 => format!("+91 9{} {}", digits(r, 4), digits(r, 5)),
        _ => format!("020 {} {}", digits(r, 4), digits(r, 4)),
    }
}

fn ip(r: &mut Rng) -> String {
    let o = |r: &mut Rng| below(r, 256);
    match below(r, 5) {
        0 => format!("{}.{}.{}.{}", 1 + below(r, 223), o(r), o(r), o(r)),
        1 => format!(
            "{}.{}.{}.{}:{}",
            10,
            o(r),
            o(r),
            o(r),
            1024 + below(r, 60000)
        ),
        2 => format!("http://192.168.{}.{}/admin", o(r), o(r)),
        3 => format!(
            "2001:db8:{:x}:{:x}::{:x}",
            below(r, 65536),
            below(r, 65536),
            1 + below(r, 65535)
        ),
        _ => format!(
            "fe80::{:x}:{:x}:{:x}:{:x}",
            below(r, 65536),
            below(r, 65536),
            below(r, 65536),
            below(r, 65536)
        ),
    }
}

fn secret(r: &mut Rng) -> String {
    match below(r, 8) {
        0 => format!("AKIA{}", chars(r, UPPER_DIGITS, 16)),
        1 => format!("ghp_{}", chars(r, ALNUM, 36)),
        2 => format!(
            "xoxb-{}-{}-{}",
            digits(r, 12),
            digits(r, 13),
            chars(r, ALNUM, 24)
        ),
        3 => format!("AIza{}", chars(r, ALNUM, 35)),
        4 => format!("sk_live_{}", chars(r, ALNUM, 24)),
        5 => "-----BEGIN RSA PRIVATE KEY-----".to_string(),
        6 => format!(
            "eyJhbGciOiJIUzI1NiJ9.eyJ{}.{}",
            chars(r, ALNUM, 20),
            chars(r, ALNUM, 43)
        ),
        _ => {
            // A random token of mixed case and digits.
            loop {
                let t = chars(r, ALNUM, 32);
                let digits = t.bytes().filter(u8::is_ascii_digit).count();
                if digits >= 3
                    && t.bytes().any(|c| c.is_ascii_lowercase())
                    && t.bytes().any(|c| c.is_ascii_uppercase())
                {
                    break format!("api_key={t}");
                }
            }
        }
    }
}

fn lookalike(r: &mut Rng) -> String {
    match below(r, 16) {
        0 => {
            // A card number whose last digit fails the Luhn check.
            let mut d = card_number(r);
            let last = d.len() - 1;
            d[last] = (d[last] + 1 + below(r, 9) as u8) % 10;
            card_text(r, &d)
        }
        1 => format!("2023-{:02}-{:02}", 1 + below(r, 12), 1 + below(r, 28)),
        2 => format!(
            "{:02}/{:02}/20{:02}",
            1 + below(r, 28),
            1 + below(r, 12),
            below(r, 30)
        ),
        3 => format!(
            "2024-{:02}-{:02} {:02}:{:02}:{:02}",
            1 + below(r, 12),
            1 + below(r, 28),
            below(r, 24),
            below(r, 60),
            below(r, 60)
        ),
        4 => format!(
            "version {}.{}.{}.{}",
            below(r, 20),
            below(r, 20),
            below(r, 100),
            below(r, 1000)
        ),
        5 => format!(
            "v{}.{}.{}.{}",
            below(r, 20),
            below(r, 20),
            below(r, 100),
            below(r, 1000)
        ),
        6 => format!("1.3.6.1.4.1.{}", below(r, 99999)),
        7 => format!(
            "${},{:03}.{:02}",
            1 + below(r, 999),
            below(r, 1000),
            below(r, 100)
        ),
        8 => format!(
            "{:08x}-{:04x}-4{:03x}-a{:03x}-{:012x}",
            r.next_u64() as u32,
            below(r, 65536),
            below(r, 4096),
            below(r, 4096),
            r.next_u64() & 0xffff_ffff_ffff
        ),
        9 => format!(
            "{:016x}{:016x}{:08x}",
            r.next_u64(),
            r.next_u64(),
            r.next_u64() as u32
        ),
        10 => pick(r, &["logo@2x.png", "icon@3x.jpg", "sprite@2x.webp"]).to_string(),
        11 => iban(r, false),
        12 => format!("order {}", digits(r, 12)),
        13 => format!("ts {}", 1_600_000_000 + below(r, 100_000_000)),
        14 => pick(
            r,
            &[
                "AbstractSingletonProxyFactoryBean",
                "/usr/local/lib/python3.11/site-packages",
                "std::vector<int>",
                "ISBN 978-3-16-148410-0",
            ],
        )
        .to_string(),
        _ => format!(
            "at {:02}:{:02}:{:02}",
            below(r, 24),
            below(r, 60),
            below(r, 60)
        ),
    }
}

/// `rows` texts with planted findings and look-alikes, and the planted count of each kind per
/// text (columns `id`, `text`, then one `UInt32` column per kind named as the kind).
pub fn corpus(rows: usize, seed: u64) -> RecordBatch {
    let mut r = Rng::new(seed);
    let mut texts = Vec::with_capacity(rows);
    let mut truth = vec![Vec::with_capacity(rows); PiiKind::ALL.len()];
    for _ in 0..rows {
        let mut parts: Vec<String> = Vec::new();
        let mut counts = [0u32; PiiKind::ALL.len()];
        let planted = match below(&mut r, 10) {
            0..=3 => 0,
            4..=7 => 1,
            8 => 2,
            _ => 3,
        };
        for _ in 0..planted {
            let kind = PiiKind::ALL[below(&mut r, PiiKind::ALL.len() as u64) as usize];
            let text = match kind {
                PiiKind::Email => email(&mut r),
                PiiKind::Phone => phone(&mut r),
                PiiKind::PaymentCard => {
                    let d = card_number(&mut r);
                    card_text(&mut r, &d)
                }
                PiiKind::Iban => iban(&mut r, true),
                PiiKind::IpAddress => ip(&mut r),
                PiiKind::Secret => secret(&mut r),
            };
            counts[kind as usize] += 1;
            parts.push(text);
        }
        for _ in 0..below(&mut r, 3) {
            parts.push(lookalike(&mut r));
        }
        // Shuffle the pieces and put words between them.
        for i in (1..parts.len()).rev() {
            let j = below(&mut r, i as u64 + 1) as usize;
            parts.swap(i, j);
        }
        let mut s = String::new();
        for p in parts {
            for _ in 0..1 + below(&mut r, 3) {
                s.push_str(pick(&mut r, WORDS));
                s.push(' ');
            }
            s.push_str(&p);
            s.push_str(pick(&mut r, &[" ", ", ", "; ", ". "]));
        }
        s.push_str(pick(&mut r, WORDS));
        texts.push(s);
        for (t, c) in truth.iter_mut().zip(counts) {
            t.push(c);
        }
    }
    let mut cols: Vec<(&str, ArrayRef)> = vec![
        (
            "id",
            Arc::new(UInt64Array::from_iter_values(0..rows as u64)),
        ),
        ("text", Arc::new(StringArray::from(texts))),
    ];
    for (k, t) in PiiKind::ALL.iter().zip(truth) {
        cols.push((k.name(), Arc::new(UInt32Array::from(t))));
    }
    RecordBatch::try_from_iter(cols).expect("columns of one length")
}
