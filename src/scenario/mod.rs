//! TEMPORARY stub while the loader is written.
pub mod model;
/// stub
pub fn load(_n: &str, _t: &str, _o: &[String]) -> Result<model::Scenario, String> {
    Err("stub".into())
}
