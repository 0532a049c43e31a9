//! One crate, two guests: `GuestBuild::features` builds and caches each set of features
//! apart, and each build loads the module its own cargo wrote.

use std::path::Path;

use rlplugin_testkit::Guest;

/// A dependency-free guest whose `marked` feature adds an export.
fn write_crate(dir: &Path) {
    std::fs::create_dir_all(dir.join("src")).unwrap();
    std::fs::write(
        dir.join("Cargo.toml"),
        "[package]\nname = \"features-probe\"\nversion = \"0.1.0\"\nedition = \"2024\"\n\n\
         [lib]\ncrate-type = [\"cdylib\"]\n\n[features]\nmarked = []\n\n[workspace]\n",
    )
    .unwrap();
    std::fs::write(
        dir.join("src/lib.rs"),
        "#[unsafe(no_mangle)]\npub extern \"C\" fn __rustledger_abi_version() -> i32 { 1 }\n\
         #[unsafe(no_mangle)]\npub extern \"C\" fn alloc(len: i32) -> i32 { len }\n\
         #[unsafe(no_mangle)]\npub extern \"C\" fn process(_ptr: i32, _len: i32) -> i64 { 0 }\n\
         #[cfg(feature = \"marked\")]\n#[unsafe(no_mangle)]\n\
         pub extern \"C\" fn marked_by_its_feature() -> i32 { 7 }\n",
    )
    .unwrap();
}

fn exports_marker(guest: &Guest) -> bool {
    let marker = b"marked_by_its_feature";
    guest
        .wasm_bytes()
        .windows(marker.len())
        .any(|window| window == marker)
}

#[test]
fn each_set_of_features_is_a_guest_of_its_own() {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("features-probe");
    write_crate(&dir);
    // Both at once: the builds of one crate take turns, each reading its own module.
    let (plain, marked) = std::thread::scope(|s| {
        let plain = s.spawn(|| Guest::build().crate_dir(&dir).quiet().run().unwrap());
        let marked = s.spawn(|| {
            Guest::build()
                .crate_dir(&dir)
                .features(["marked"])
                .quiet()
                .run()
                .unwrap()
        });
        (plain.join().unwrap(), marked.join().unwrap())
    });
    assert!(!exports_marker(&plain));
    assert!(exports_marker(&marked));
    // Cached per set of features, in any order and with repeats.
    let again = Guest::build()
        .crate_dir(&dir)
        .features(["marked", "marked"])
        .quiet()
        .run()
        .unwrap();
    assert_eq!(again.wasm_bytes(), marked.wasm_bytes());
    let plain_again = Guest::build().crate_dir(&dir).quiet().run().unwrap();
    assert_eq!(plain_again.wasm_bytes(), plain.wasm_bytes());
}
