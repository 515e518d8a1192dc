package cohort

import (
	"context"
	"database/sql"
	"fmt"
	"os"
	"testing"
	"time"

	_ "modernc.org/sqlite"
)

func TestExpSQLite(t *testing.T) {
	path := "/tmp/exp.db"
	ctx := context.Background()
	fresh := false
	if _, err := os.Stat(path); err != nil {
		fresh = true
	}
	db, err := sql.Open("sqlite", path+"?_pragma=journal_mode(WAL)&_pragma=synchronous(OFF)")
	if err != nil {
		t.Fatal(err)
	}
	db.SetMaxOpenConns(1)
	if fresh {
		start := time.Now()
		_, err = db.Exec(`CREATE TABLE j (id INTEGER PRIMARY KEY, clinic_id INTEGER, patient_id INTEGER, day INTEGER, a INTEGER, b INTEGER, c INTEGER, d INTEGER, e INTEGER, f INTEGER, g INTEGER, h INTEGER, i INTEGER, k INTEGER)`)
		if err != nil {
			t.Fatal(err)
		}
		tx, _ := db.Begin()
		st, err := tx.Prepare(`INSERT INTO j (clinic_id, patient_id, day, a,b,c,d,e,f,g,h,i,k) VALUES (1,?,?,?,?,?,?,?,?,?,?,?,?)`)
		if err != nil {
			t.Fatal(err)
		}
		for p := 1; p <= 10000; p++ {
			for d := 1; d <= 600; d++ {
				v := (p*7 + d*3) % 11 * 100
				if _, err := st.Exec(p, d, v, v, v, v, v%400, v%400, v%400, v%400, v, (p+d)%101*100); err != nil {
					t.Fatal(err)
				}
			}
		}
		st.Close()
		tx.Commit()
		db.Exec(`CREATE UNIQUE INDEX j_pd ON j (patient_id, day)`)
		fmt.Println("load", time.Since(start))
	}
	start := time.Now()
	rows, err := db.QueryContext(ctx, `SELECT patient_id, day, a,b,c,d,e,f,g,h,i,k FROM j`)
	if err != nil {
		t.Fatal(err)
	}
	var n int
	var v [12]int64
	ptrs := make([]any, 12)
	for i := range v {
		ptrs[i] = &v[i]
	}
	for rows.Next() {
		rows.Scan(ptrs...)
		n++
	}
	fmt.Println("scan", n, time.Since(start))
	start = time.Now()
	r2, _ := db.QueryContext(ctx, `SELECT day, a, count(*) FROM j GROUP BY day, a`)
	n = 0
	for r2.Next() {
		n++
	}
	fmt.Println("groupby", n, time.Since(start))
}
