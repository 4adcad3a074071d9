use std::io::BufRead;

use crate::error::TallyError;
use crate::model::Entry;

pub fn parse_csv(reader: impl BufRead) -> Result<Vec<Entry>, TallyError> {
    let mut lines = reader.lines();
    let header = lines.next().ok_or(TallyError::Empty)??;
    let columns = Columns::from_header(&header)?;
    lines
        .enumerate()
        .map(|(n, line)| columns.entry(&line?, n + 2))
        .collect()
}
