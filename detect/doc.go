// Package detect finds personal data and secrets in log lines, so that a
// public log line or a file of old logs holding customer data or a credential
// is caught before it leaves the compliant boundary.
//
// A [Detector] names one kind of value and holds its exact validator; see
// [Detectors] for the list and docs/detection.md for each one's rule, its
// sources and its figures. A [Set] finds candidates in one pass over a line
// and no regular expression: a table of byte pairs, looked up twice for each
// triple of bytes, says where something may start, then
//
//   - an Aho–Corasick automaton, case folded and started only where a
//     three-byte prefix filter allows, finds the literals that begin a token
//     or name a value ("ghp_", "sk-ant-", "AKIA", "eyJ", "password", "://",
//     "Bearer ", "wandb", "bsn", …);
//   - byte classes find the other candidates: '@' for emails, a digit after
//     a word boundary for cards, SSNs, DNIs, phone numbers and IPv4
//     addresses, two capitals for IBANs, NINOs and codici fiscali, ':' and
//     '-' between hex digits for MAC and IPv6 addresses.
//
// Each candidate is then decided by the detector's validator, which checks
// what the format defines: the Luhn sum and issuer ranges of cards, mod 97
// of IBANs and NIRs, the CRC32 of GitHub and npm tokens, the Bech32
// checksum of age keys, the "T3BlbkFJ" marker of OpenAI keys, the check
// letters of DNIs and codici fiscali, the elfproef of BSNs, libphonenumber's
// numbering plans for phones, a JSON header with "alg" for JWTs.
//
// Context, not exemption lists, decides what a bare value is:
//   - a bare number is a card only when a word before it names one (card,
//     cc, pan, payment, visa, …) or when it is grouped as cards are printed
//     (4-4-4-4, 4-6-5); Luhn alone is passed by a tenth of all numbers;
//   - nine bare digits are an SSN, and BSNs and NIRs are sought at all, only
//     after a word naming them;
//   - a `token` key's value is a credential only when it looks machine-made:
//     a word, a fragment of text (" photosynthesis", "Ġthe", "▁Paris") or a
//     number is what a tokenizer or a counter prints; a key naming a cursor
//     (next_page_token) holds none;
//   - a value is a placeholder only when it is one as a whole ("changeme",
//     "<token>", "${VAR}", "***"), not because it contains such a word
//     (S3cr3tPassw0rd! is a password);
//   - keys without a prefix of their own (W&B, Cohere, Mistral, AWS secret
//     keys) are found after their names;
//   - personal names and postal addresses, which have no format, are found
//     only as the value of a key naming them (first_name, customerName,
//     cardholder; billing_address, street) and with their shape
//     (capitalised words; words with a number), never under a plain "name".
//
// Promises, each guarded by a test and a fuzz target:
//   - a finding lies within its input, and its Line, Col and Offset point at
//     the value's first byte;
//   - a report never holds the full value: [Mask] keeps at most 4 trailing
//     bytes, and no more than a third of a short value;
//   - the filters only save work: a Set finds exactly what trying every
//     detector at every position would find;
//   - a [Scanner] reads line-aligned chunks, so a value never splits across
//     two chunks, and its memory is bounded whatever the input (see
//     [Scanner] for lines longer than [MaxLine]).
//
// [NewSet] compiles detectors into a [Set]: built-in ones, by name through
// [Select] or one by one through [Lookup], and the caller's own: a [Finder]
// names the literals where its values begin and their extent, and the Set
// searches for it with the same automaton and filters as for the built-in
// ones.
//
// Findings carry a [Confidence]: validated formats are [High]; formats that
// real logs also hold by chance (phone numbers, IP and MAC addresses) are
// [Low]. [NewSet] with no detectors gives the high-confidence set, the one the
// egress gate applies to public lines by default.
package detect
