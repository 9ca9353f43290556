// Package store is conflog's sealed private log store: a directory of
// segments, each an age file (https://age-encryption.org/v1) encrypted to
// X25519 recipients, whose records, in blocks of up to 64 KiB, are the leaves
// of an RFC 6962 Merkle tree (golang.org/x/mod/sumdb/tlog) over salted
// commitments (one per block), with Ed25519-signed
// checkpoints in the golang.org/x/mod/sumdb/note format. The on-disk format is
// specified in FORMAT.md, beside this file, precisely enough to write an
// independent verifier.
//
// What it promises:
//
//   - Nobody on the job's host can read what it wrote: the Writer holds only
//     age recipients (public keys). Segments decrypt with the age CLI.
//   - Nobody can alter, remove, reorder or add a sealed record, a segment or
//     a checkpoint without Verify reporting what and where. A key-less auditor
//     checks the signatures, the checkpoint chain, every commitment against
//     the tree and every ciphertext's hash; the identity holder also checks
//     every block of records against its commitment (a purged block against
//     a tag only the identity can make).
//   - A killed writer loses only records it had not yet written to its
//     files, all appended since its latest checkpoint: the next Open
//     recovers and seals every record the crashed writer's index lists, and
//     continues the tree. fsync(2) follows Options.Sync (SyncPolicy).
//   - Purge removes records (and their block's salt) from every ciphertext on
//     disk while the store still verifies: commitments stay, a purged record reads
//     back as purged, and what purge rewrites is signed with a key derived
//     from its identity (PurgerKey), so a key-less Verify tells it from
//     tampering. The manifest naming the recipients is versioned and bound
//     into every checkpoint: an older one put back is caught.
//   - Witness lines (WitnessLine, FindWitnesses) let a public log pin the
//     store's history: Verify checks that every checkpoint found there is
//     consistent with the store, so a rewritten store no longer matches.
//
// Files are 0600 and directories 0700 whatever the umask; one Writer per
// store, enforced with flock(2), which the kernel releases when a writer dies.
package store
