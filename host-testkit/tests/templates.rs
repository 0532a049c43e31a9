//! Renders each cargo-generate template in `templates/` the way `cargo generate` does, then
//! runs the new crate's own commands in it: `cargo fmt --check`, `cargo test`, `cargo clippy`
//! and the README's wasm build. A template must be green with zero edits.
//!
//! The templates promise to use nothing but `{{ variable }}` substitution (no Liquid tags,
//! no filters, no include/exclude lists), so rendering them needs no Liquid engine; anything
//! beyond that promise fails here with the reason, rather than being rendered differently
//! from cargo-generate.
//!
//! Cost: the rendered crates' dev-dependency on this kit compiles wasmtime and rustledger
//! once into `<target>/template-check` (several minutes cold on 2 cores); later runs reuse
//! it and take well under a minute.

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::Mutex;
use std::time::Instant;

use rlplugin_testkit::profile::Profiler;
use rlplugin_testkit::{Error, Guest};

/// Both templates share one target directory; one cargo at a time keeps them from queueing
/// on its lock with interleaved, unreadable output.
static ONE_AT_A_TIME: Mutex<()> = Mutex::new(());

#[test]
fn plugin_template_generated_inside_the_checkout_passes_its_tests() {
    // The default `rlplugin_path = ".."` is meant for `cargo generate` run from the root of a
    // checkout: it is tested in a stand-in for that checkout.
    check_template("plugin", "my-plugin", Destination::InsideCheckout);
}

#[test]
fn importer_template_generated_elsewhere_passes_its_tests() {
    // An upper-camel name exercises cargo-generate's renaming (`my-importer`, `my_importer`);
    // elsewhere, the checkout is given as `-d rlplugin_path=/abs/path`.
    check_template("importer", "MyImporter", Destination::Elsewhere);
}

/// Where the crate is generated, which decides the `rlplugin_path` it needs.
enum Destination {
    /// `<checkout>/<project-name>`, with the template's default `rlplugin_path`.
    InsideCheckout,
    /// A directory outside any checkout, with `-d rlplugin_path=<absolute checkout path>`.
    Elsewhere,
}

fn check_template(kind: &str, name: &str, destination: Destination) {
    let _one_at_a_time = ONE_AT_A_TIME.lock().unwrap_or_else(|e| e.into_inner());
    let started = Instant::now();
    let checkout = checkout();
    let template = checkout.join("templates").join(kind);
    let scratch = template_check_dir().join("generated").join(kind);
    if scratch.exists() {
        fs::remove_dir_all(&scratch).unwrap();
    }

    let mut defines = BTreeMap::new();
    let parent = match destination {
        Destination::InsideCheckout => mirror_checkout(&checkout, &scratch.join("checkout")),
        Destination::Elsewhere => {
            defines.insert("rlplugin_path".to_owned(), checkout.display().to_string());
            scratch.clone()
        }
    };
    let generated = generate(&template, &parent, name, &defines);
    let crate_name = snake_case(name);

    for file in files(&generated) {
        let text = fs::read_to_string(&file).unwrap();
        assert!(
            !text.contains("{{") && !text.contains("{%"),
            "{} still holds template syntax after rendering",
            file.display()
        );
    }
    let snapshots = files(&generated.join("tests/snapshots"));
    assert_eq!(
        snapshots.len(),
        1,
        "templates/{kind} must ship exactly one accepted snapshot, found {snapshots:?}"
    );

    // The checkout's lockfile pins what the kit is tested with; cargo trims it to the
    // rendered crate's needs, and it keeps this test off the network and free of drift.
    fs::copy(checkout.join("Cargo.lock"), generated.join("Cargo.lock")).unwrap();

    cargo(&generated, &["fmt", "--check"]);
    cargo(&generated, &["test"]);
    // The generated CI workflow lints too.
    cargo(
        &generated,
        &["clippy", "--all-targets", "--", "-D", "warnings"],
    );
    let leftovers: Vec<_> = files(&generated)
        .into_iter()
        .filter(|f| f.to_string_lossy().ends_with(".snap.new"))
        .collect();
    assert!(
        leftovers.is_empty(),
        "insta wrote {leftovers:?} with CI=true"
    );

    if kind == "plugin" {
        rust_names_reach_backtraces_and_profiles(&generated, &crate_name);
    }

    cargo(
        &generated,
        &["build", "--target", "wasm32-unknown-unknown", "--release"],
    );
    let wasm = template_check_dir()
        .join("wasm32-unknown-unknown/release")
        .join(format!("{crate_name}.wasm"));
    assert!(
        wasm.is_file(),
        "the README of templates/{kind} names {crate_name}.wasm, which the build did not produce"
    );
    eprintln!(
        "templates/{kind}: generated {}, tested and built in {:.1?}",
        generated.display(),
        started.elapsed()
    );
}

/// The kit's release build of the generated crate keeps the name section although the
/// template's release profile strips it: a trap's backtrace, the profile report and the
/// Firefox profile name Rust functions, the template's own `tag_large_expenses` among
/// them in the profile.
fn rust_names_reach_backtraces_and_profiles(generated: &Path, crate_name: &str) {
    let guest = Guest::build().crate_dir(generated).run().unwrap();
    let ledger = fs::read_to_string(generated.join("ledger.beancount")).unwrap();
    let request = || guest.plugin().ledger(ledger.as_str());
    let fuel = request().run().unwrap().report().fuel_used();
    let err = request().fuel(fuel * 9 / 10).run().unwrap_err();
    let Error::OutOfFuel { diagnostics, .. } = &err else {
        panic!("{err:?}");
    };
    let backtrace = diagnostics.backtrace.as_deref().unwrap_or_default();
    let frames: Vec<&str> = backtrace
        .lines()
        .filter_map(|line| line.split_once(&format!("{crate_name}.wasm!")))
        .map(|(_, name)| name)
        .collect();
    assert!(frames.len() >= 2, "{backtrace}");
    assert!(
        frames.iter().any(|f| f.starts_with("rlplugin::")),
        "{backtrace}"
    );
    assert_eq!(frames.last(), Some(&"process"), "{backtrace}");
    assert!(!backtrace.contains("<unknown>"), "{backtrace}");

    let profile = Profiler::new(&guest)
        .input(request().input_bytes().unwrap())
        .run()
        .unwrap();
    let names: Vec<&str> = profile
        .functions()
        .iter()
        .map(|f| f.name.as_str())
        .collect();
    let own = format!("{crate_name}::tag_large_expenses");
    assert!(names.contains(&own.as_str()), "{names:?}");
    assert!(
        names.iter().any(|n| n.starts_with("rlplugin::")),
        "{names:?}"
    );
    assert!(!names.iter().any(|n| n.starts_with("func[")), "{names:?}");
    let firefox = String::from_utf8_lossy(profile.firefox_json());
    assert!(
        firefox.contains("rlplugin::codec::"),
        "the Firefox profile names no Rust function"
    );
}

/// The repository root.
fn checkout() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .unwrap()
        .to_path_buf()
}

/// `<target>/template-check`: one target directory for every rendered crate, so wasmtime
/// and rustledger compile once and later runs are incremental.
fn template_check_dir() -> PathBuf {
    Path::new(env!("CARGO_TARGET_TMPDIR"))
        .parent()
        .unwrap()
        .join("template-check")
}

/// A stand-in for the checkout at `mirror`: a symlink to each top-level entry except
/// `target/`, so a crate generated in it finds `..` as it would in the real checkout.
fn mirror_checkout(checkout: &Path, mirror: &Path) -> PathBuf {
    fs::create_dir_all(mirror).unwrap();
    for entry in fs::read_dir(checkout).unwrap() {
        let entry = entry.unwrap();
        let name = entry.file_name();
        if name == "target" || name == ".git" {
            continue;
        }
        symlink(&entry.path(), &mirror.join(name));
    }
    mirror.to_path_buf()
}

#[cfg(unix)]
fn symlink(original: &Path, link: &Path) {
    std::os::unix::fs::symlink(original, link).unwrap();
}

#[cfg(windows)]
fn symlink(original: &Path, link: &Path) {
    if original.is_dir() {
        std::os::windows::fs::symlink_dir(original, link).unwrap();
    } else {
        std::os::windows::fs::symlink_file(original, link).unwrap();
    }
}

/// `cargo generate --path <template> --name <name> [-d key=value]…` with `parent` as the
/// working directory: the crate lands in `parent/<project-name>`.
fn generate(
    template: &Path,
    parent: &Path,
    name: &str,
    defines: &BTreeMap<String, String>,
) -> PathBuf {
    assert!(
        !template.join("target").exists() && !template.join("Cargo.lock").exists(),
        "{} holds build output, which cargo-generate would copy into every new crate; delete it",
        template.display()
    );
    assert!(
        !template.join(".genignore").exists(),
        ".genignore is not supported by this test's renderer"
    );
    let mut variables = placeholders(&template.join("cargo-generate.toml"));
    for (key, value) in defines {
        assert!(
            variables.contains_key(key),
            "-d {key}=… names no placeholder of {}",
            template.display()
        );
        variables.insert(key.clone(), value.clone());
    }
    let project_name = project_name(name);
    variables.insert("project-name".to_owned(), project_name.clone());
    variables.insert("crate_name".to_owned(), snake_case(name));

    let project = parent.join(&project_name);
    assert!(!project.exists(), "{} already exists", project.display());
    for source in files(template) {
        let relative = source.strip_prefix(template).unwrap();
        if [".git", "target"]
            .iter()
            .any(|skip| relative.starts_with(skip))
            || relative == Path::new("cargo-generate.toml")
        {
            continue;
        }
        let mut rendered_path = project.clone();
        for component in relative.iter() {
            let component = component.to_str().unwrap();
            let component = component.strip_suffix(".liquid").unwrap_or(component);
            rendered_path.push(render(component, &variables, &source));
        }
        let text = fs::read_to_string(&source)
            .unwrap_or_else(|e| panic!("{} is not UTF-8 text: {e}", source.display()));
        fs::create_dir_all(rendered_path.parent().unwrap()).unwrap();
        fs::write(&rendered_path, render(&text, &variables, &source)).unwrap();
    }
    project
}

/// The default of each `[placeholders.<name>]` in `cargo-generate.toml`. Only the keys the
/// templates use are understood; any other key would change what cargo-generate does, so it
/// fails the test instead of being ignored.
fn placeholders(config: &Path) -> BTreeMap<String, String> {
    let text = fs::read_to_string(config).unwrap();
    let mut defaults = BTreeMap::new();
    let mut section = String::new();
    for (number, line) in (1..).zip(text.lines()) {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        if let Some(header) = line.strip_prefix('[').and_then(|l| l.strip_suffix(']')) {
            section = header.to_owned();
            continue;
        }
        let (key, value) = line
            .split_once('=')
            .unwrap_or_else(|| panic!("{}:{number}: expected `key = value`", config.display()));
        let (key, value) = (key.trim(), toml_string(value.trim()));
        match (section.strip_prefix("placeholders."), key) {
            (None, "cargo_generate_version") if section == "template" => {}
            (Some(name), "default") => {
                defaults.insert(name.to_owned(), value);
            }
            (Some(_), "prompt") => {}
            (Some(_), "type") => assert_eq!(
                value,
                "string",
                "{}:{number}: only string placeholders are supported",
                config.display()
            ),
            _ => panic!(
                "{}:{number}: `{key}` in [{section}] is not supported by this test's renderer; \
                 keep the template to plain placeholders or teach tests/templates.rs the key",
                config.display()
            ),
        }
    }
    defaults
}

/// A one-line TOML basic string, as the templates' config writes them.
fn toml_string(value: &str) -> String {
    let inner = value
        .strip_prefix('"')
        .and_then(|v| v.strip_suffix('"'))
        .unwrap_or_else(|| panic!("expected a quoted string, found {value}"));
    assert!(
        !inner.contains('\\') && !inner.contains('"'),
        "escapes in {value} are not supported by this test's renderer"
    );
    inner.to_owned()
}

/// Liquid output of `text` for a template made only of `{{ variable }}` substitutions.
/// Unlike cargo-generate, an unknown variable is an error, not an empty string.
fn render(text: &str, variables: &BTreeMap<String, String>, file: &Path) -> String {
    assert!(
        !text.contains("{%"),
        "{}: Liquid tags are not supported by this test's renderer",
        file.display()
    );
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(start) = rest.find("{{") {
        out.push_str(&rest[..start]);
        let end = rest[start..]
            .find("}}")
            .unwrap_or_else(|| panic!("{}: unclosed {{{{", file.display()));
        let name = rest[start + 2..start + end].trim();
        let value = variables.get(name).unwrap_or_else(|| {
            panic!(
                "{}: `{{{{ {name} }}}}` is not a variable cargo-generate would set here",
                file.display()
            )
        });
        out.push_str(value);
        rest = &rest[start + end + 2..];
    }
    out.push_str(rest);
    out
}

/// cargo-generate's `project-name`: the name as given when it already is snake_case,
/// else its kebab-case form.
fn project_name(name: &str) -> String {
    let snake = snake_case(name);
    if snake == name {
        snake
    } else {
        words(name).join("-")
    }
}

/// cargo-generate's `crate_name`.
fn snake_case(name: &str) -> String {
    words(name).join("_")
}

/// Lowercase words of `name`, split as the `heck` crate (which cargo-generate uses) splits
/// them: at every non-alphanumeric character, between a lowercase and an uppercase letter,
/// and before the last capital of a run followed by a lowercase letter (`HTTPServer`).
fn words(name: &str) -> Vec<String> {
    let mut words = Vec::new();
    for part in name.split(|c: char| !c.is_alphanumeric()) {
        let chars: Vec<char> = part.chars().collect();
        let mut start = 0;
        // Case of the last cased character of the current word: Some(true) = uppercase.
        let mut last_upper: Option<bool> = None;
        for (i, &c) in chars.iter().enumerate() {
            let Some(&next) = chars.get(i + 1) else {
                words.push(chars[start..].iter().collect::<String>());
                break;
            };
            let upper_here = if c.is_lowercase() {
                Some(false)
            } else if c.is_uppercase() {
                Some(true)
            } else {
                last_upper
            };
            if upper_here == Some(false) && next.is_uppercase() {
                words.push(chars[start..=i].iter().collect());
                start = i + 1;
                last_upper = None;
            } else if last_upper == Some(true) && c.is_uppercase() && next.is_lowercase() {
                words.push(chars[start..i].iter().collect());
                start = i;
                last_upper = None;
            } else {
                last_upper = upper_here;
            }
        }
    }
    words.iter().map(|word| word.to_lowercase()).collect()
}

/// Every file under `dir`, recursively; symlinks are not followed.
fn files(dir: &Path) -> Vec<PathBuf> {
    let mut found = Vec::new();
    let Ok(entries) = fs::read_dir(dir) else {
        return found;
    };
    for entry in entries {
        let entry = entry.unwrap();
        let kind = entry.file_type().unwrap();
        if kind.is_dir() {
            found.extend(files(&entry.path()));
        } else if kind.is_file() {
            found.push(entry.path());
        }
    }
    found.sort();
    found
}

/// Runs `cargo <args>` in the generated crate as its author would, with this test's cargo
/// environment removed so the crate's own `rust-toolchain.toml` and defaults apply.
fn cargo(dir: &Path, args: &[&str]) -> Output {
    let mut command = Command::new("cargo");
    command.args(args).current_dir(dir);
    for (key, _) in std::env::vars_os() {
        let Some(key) = key.to_str() else { continue };
        if leaks_into_cargo(key) {
            command.env_remove(key);
        }
    }
    let output = command
        .env("CARGO_TARGET_DIR", template_check_dir())
        // insta fails on a missing or changed snapshot instead of writing one.
        .env("CI", "true")
        .env("INSTA_UPDATE", "no")
        .output()
        .unwrap_or_else(|e| panic!("cannot run cargo: {e}"));
    assert!(
        output.status.success(),
        "`cargo {}` failed in {} ({}):\n--- stdout\n{}\n--- stderr\n{}",
        args.join(" "),
        dir.display(),
        output.status,
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr),
    );
    output
}

/// Variables of the outer `cargo test` that would change the generated crate's build:
/// flags, wrappers and coverage for this workspace, its toolchain pin, cargo's own
/// per-invocation variables, and insta settings.
fn leaks_into_cargo(key: &str) -> bool {
    const KEEP: &[&str] = &[
        "CARGO_HOME",
        "CARGO_TERM_",
        "CARGO_NET_",
        "CARGO_HTTP_",
        "CARGO_REGISTRIES_",
    ];
    const REMOVE: &[&str] = &[
        "RUSTFLAGS",
        "RUSTDOCFLAGS",
        "RUSTC",
        "RUSTDOC",
        "RUSTC_WRAPPER",
        "RUSTC_WORKSPACE_WRAPPER",
        "RUSTUP_TOOLCHAIN",
        "LLVM_PROFILE_FILE",
        "MAKEFLAGS",
        "MFLAGS",
    ];
    if KEEP.iter().any(|keep| key.starts_with(keep)) {
        return false;
    }
    REMOVE.contains(&key)
        || key.starts_with("CARGO")
        || key.starts_with("__CARGO")
        || key.starts_with("INSTA_")
}

#[test]
fn names_are_derived_as_cargo_generate_derives_them() {
    assert_eq!(project_name("my-plugin"), "my-plugin");
    assert_eq!(project_name("my_plugin"), "my_plugin");
    assert_eq!(project_name("MyImporter"), "my-importer");
    assert_eq!(project_name("HTTPServer2 thing"), "http-server2-thing");
    assert_eq!(snake_case("my-plugin"), "my_plugin");
    assert_eq!(snake_case("MyImporter"), "my_importer");
}

#[test]
fn rendering_substitutes_variables_and_rejects_everything_else() {
    let variables = BTreeMap::from([("crate_name".to_owned(), "my_plugin".to_owned())]);
    let file = Path::new("x");
    assert_eq!(
        render("a {{crate_name}} b {{ crate_name }}", &variables, file),
        "a my_plugin b my_plugin"
    );
    for bad in ["{{ authors }}", "{% if x %}{% endif %}", "{{ crate_name"] {
        let result = std::panic::catch_unwind(|| render(bad, &variables, file));
        assert!(result.is_err(), "{bad} rendered");
    }
}
