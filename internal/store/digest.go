package store

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"hash"
	"math"
	"strconv"
	"strings"
	"time"
)

// TableDigest is one table's row count and a SHA-256 over its rows in
// primary-key order (canonical encoding: see digestTable), so that a
// restored database can be compared with the source table by table.
type TableDigest struct {
	Table  string `json:"table"`
	Rows   int64  `json:"rows"`
	SHA256 string `json:"sha256"`
}

// Digest returns the digest of every table of the database, read in one
// snapshot (a read transaction on SQLite; REPEATABLE READ on PostgreSQL).
// Digests compare databases of the same engine: the encoding follows the
// values the driver returns.
func (db *DB) Digest(ctx context.Context) ([]TableDigest, error) {
	conn, err := db.read.Conn(ctx)
	if err != nil {
		return nil, fmt.Errorf("digest: %w", err)
	}
	defer conn.Close()
	begin := "BEGIN"
	if db.loc.Engine == Postgres {
		begin = "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY"
	}
	if _, err := conn.ExecContext(ctx, begin); err != nil {
		return nil, fmt.Errorf("digest: %w", err)
	}
	defer conn.ExecContext(context.WithoutCancel(ctx), "ROLLBACK")
	return digestTables(ctx, conn, db.loc.Engine)
}

// digestTables digests every table visible to q (ketatrack's schema),
// ordered by name.
func digestTables(ctx context.Context, q queryer, e Engine) ([]TableDigest, error) {
	names, err := tableNames(ctx, q, e)
	if err != nil {
		return nil, fmt.Errorf("digest: %w", err)
	}
	out := make([]TableDigest, 0, len(names))
	for _, name := range names {
		d, err := digestTable(ctx, q, e, name)
		if err != nil {
			return nil, err
		}
		out = append(out, d)
	}
	return out, nil
}

// tableNames lists ketatrack's tables visible to q, ordered by name.
func tableNames(ctx context.Context, q queryer, e Engine) ([]string, error) {
	list := `SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name`
	if e == Postgres {
		list = `SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema()
			AND table_type = 'BASE TABLE' ORDER BY table_name`
	}
	names, err := strings1(ctx, q, list)
	if err != nil {
		return nil, fmt.Errorf("tables: %w", err)
	}
	return names, nil
}

// TableRows returns the number of rows of every table, ordered by name
// (TableDigest without the SHA-256): what a bulk load wrote, cheaply.
func (db *DB) TableRows(ctx context.Context) ([]TableDigest, error) {
	names, err := tableNames(ctx, db.read, db.loc.Engine)
	if err != nil {
		return nil, fmt.Errorf("table rows: %w", err)
	}
	out := make([]TableDigest, 0, len(names))
	for _, name := range names {
		d := TableDigest{Table: name}
		if err := db.read.QueryRowContext(ctx, `SELECT COUNT(*) FROM `+quoteIdent(name)).Scan(&d.Rows); err != nil {
			return nil, fmt.Errorf("table rows %s: %w", name, err)
		}
		out = append(out, d)
	}
	return out, nil
}

// digestTable hashes the table's column names, then each row in
// primary-key order (all columns in order for a table without one). Each
// value is a type byte and its canonical bytes: integers as 8 bytes big
// endian, floats as their IEEE-754 bits, text and blobs length-prefixed,
// times as RFC 3339 in UTC with nanoseconds, NULL as the type byte alone.
func digestTable(ctx context.Context, q queryer, e Engine, table string) (TableDigest, error) {
	pkQuery := `SELECT name FROM pragma_table_info($1) WHERE pk > 0 ORDER BY pk`
	if e == Postgres {
		pkQuery = `SELECT a.attname FROM pg_index i JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = ANY(i.indkey)
			WHERE i.indrelid = quote_ident($1)::regclass AND i.indisprimary ORDER BY array_position(i.indkey::int2[], a.attnum)`
	}
	pk, err := strings1(ctx, q, pkQuery, table)
	if err != nil {
		return TableDigest{}, fmt.Errorf("digest %s: primary key: %w", table, err)
	}
	order := make([]string, len(pk))
	for i, c := range pk {
		order[i] = quoteIdent(c)
	}
	rows, err := q.QueryContext(ctx, `SELECT * FROM `+quoteIdent(table)+orderBy(order))
	if err != nil {
		return TableDigest{}, fmt.Errorf("digest %s: %w", table, err)
	}
	defer rows.Close()
	cols, err := rows.Columns()
	if err != nil {
		return TableDigest{}, fmt.Errorf("digest %s: %w", table, err)
	}
	if len(order) == 0 {
		// No primary key: every column orders the rows. The query is
		// made again with the column positions.
		rows.Close()
		for i := range cols {
			order = append(order, strconv.Itoa(i+1))
		}
		if rows, err = q.QueryContext(ctx, `SELECT * FROM `+quoteIdent(table)+orderBy(order)); err != nil {
			return TableDigest{}, fmt.Errorf("digest %s: %w", table, err)
		}
		defer rows.Close()
	}
	h := sha256.New()
	for _, c := range cols {
		writeText(h, 'c', c)
	}
	vals := make([]any, len(cols))
	ptrs := make([]any, len(cols))
	for i := range vals {
		ptrs[i] = &vals[i]
	}
	d := TableDigest{Table: table}
	for rows.Next() {
		if err := rows.Scan(ptrs...); err != nil {
			return TableDigest{}, fmt.Errorf("digest %s: %w", table, err)
		}
		h.Write([]byte{'r'})
		for _, v := range vals {
			if err := writeValue(h, v); err != nil {
				return TableDigest{}, fmt.Errorf("digest %s: %w", table, err)
			}
		}
		d.Rows++
	}
	if err := rows.Err(); err != nil {
		return TableDigest{}, fmt.Errorf("digest %s: %w", table, err)
	}
	d.SHA256 = hex.EncodeToString(h.Sum(nil))
	return d, nil
}

func orderBy(cols []string) string {
	if len(cols) == 0 {
		return ""
	}
	return " ORDER BY " + strings.Join(cols, ", ")
}

func writeValue(h hash.Hash, v any) error {
	var b [8]byte
	switch x := v.(type) {
	case nil:
		h.Write([]byte{'n'})
	case int64:
		binary.BigEndian.PutUint64(b[:], uint64(x))
		h.Write([]byte{'i'})
		h.Write(b[:])
	case float64:
		binary.BigEndian.PutUint64(b[:], math.Float64bits(x))
		h.Write([]byte{'f'})
		h.Write(b[:])
	case bool:
		if x {
			h.Write([]byte{'t'})
		} else {
			h.Write([]byte{'F'})
		}
	case string:
		writeText(h, 's', x)
	case []byte:
		writeText(h, 'b', string(x))
	case time.Time:
		writeText(h, 'T', x.UTC().Format(time.RFC3339Nano))
	default:
		return fmt.Errorf("a %T value has no canonical encoding", v)
	}
	return nil
}

func writeText(h hash.Hash, kind byte, s string) {
	var b [8]byte
	binary.BigEndian.PutUint64(b[:], uint64(len(s)))
	h.Write([]byte{kind})
	h.Write(b[:])
	h.Write([]byte(s))
}

// quoteIdent quotes a table or column name (both engines use double quotes).
func quoteIdent(s string) string { return `"` + strings.ReplaceAll(s, `"`, `""`) + `"` }

// strings1 returns the first column of every row of query.
func strings1(ctx context.Context, q queryer, query string, args ...any) ([]string, error) {
	rows, err := q.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var s sql.NullString
		if err := rows.Scan(&s); err != nil {
			return nil, err
		}
		out = append(out, s.String)
	}
	return out, rows.Err()
}
