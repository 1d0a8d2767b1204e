// The migrations are embedded at compile time (`sqlx::migrate!`): a new or
// changed file in migrations/ must rebuild the crate, or the binary would
// silently carry the old set.
fn main() {
    println!("cargo:rerun-if-changed=migrations");
}
