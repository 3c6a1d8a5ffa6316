/**
 * Regenerates the files of samples/ (except the schemas, which are written by hand). Deterministic: running it
 * again produces the same bytes.
 *
 *   node -r ./local/register.js scripts/generate-samples.ts
 */
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import iconv from "iconv-lite";
import { emptyExpected, generateOrderLines, ORDER_HEADER } from "./generate-csv";

const dir = join(__dirname, "..", "samples");

/** Seed and size of samples/orders.csv: changing them changes the counts quoted by tests and docs. */
export const ORDERS_SAMPLE = { rows: 1000, errorRate: 0.1, seed: 20240501 } as const;

function ordersSample(): string {
  const expected = emptyExpected();
  const lines = [...generateOrderLines(ORDERS_SAMPLE, expected)];
  // Two rows whose problems the generator does not make: an amount above the maximum and a bad date-time.
  lines[101] = lines[101].replace(/^(ORD-\d{6},[^,]*,)[0-9.]+,/, "$11500000.00,");
  lines[202] = lines[202].replace(/2024-(\d\d)-(\d\d)T\d\d:\d\d:00\+09:00/, "2024-$1-$2 25:00");
  return lines.join("");
}

function sjisSample(): Buffer {
  const header = ["注文番号", "顧客名", "メールアドレス", "金額", "状態", "注文日", "備考"];
  const names = ["山田太郎", "佐藤花子", "鈴木一郎", "高橋美咲", "田中健", "伊藤さくら", "渡辺翔", "中村葵"];
  const statuses = ["新規", "支払済", "発送済"];
  const notes = ["", "置き配希望", '"配達前に電話, 不在時は宅配ボックス"', '"2階\n裏口から"', "のし紙あり"];
  const rows: string[] = [header.join(",")];
  for (let i = 1; i <= 40; i++) {
    const f = [
      `ORD-${String(i).padStart(6, "0")}`,
      names[i % names.length],
      `user${i}@example.jp`,
      `${(i * 1234.5) % 90000}`,
      statuses[i % statuses.length],
      `2024-0${1 + (i % 9)}-${String(1 + (i % 28)).padStart(2, "0")}`,
      notes[i % notes.length],
    ];
    if (i === 7) f[4] = "キャンセル"; // not an allowed status
    if (i === 13) f[3] = "-500"; // negative amount
    if (i === 21) f[2] = "メール不明"; // not an e-mail address
    if (i === 29) f[0] = "注文29"; // bad order number
    rows.push(f.join(","));
  }
  const body = Buffer.concat(
    rows.map((line, n) => {
      const bytes = iconv.encode(`${line}\r\n`, "cp932");
      // Row 35 carries a byte that is not valid Shift_JIS inside its customer name.
      if (n === 35) {
        const at = bytes.indexOf(0x2c) + 1;
        return Buffer.concat([bytes.subarray(0, at), Buffer.from([0xff]), bytes.subarray(at)]);
      }
      return bytes;
    }),
  );
  return body;
}

function main(): void {
  writeFileSync(join(dir, "orders.csv"), ordersSample());
  writeFileSync(join(dir, "orders-sjis.csv"), sjisSample());
  const head = ORDER_HEADER.join(",");
  writeFileSync(
    join(dir, "broken-missing-column.csv"),
    `${ORDER_HEADER.filter((c) => c !== "email").join(",")}\nORD-000001,120.00,1,NEW,2024-05-01,2024-05-01T09:00:00+09:00,\nORD-000002,80.50,2,PAID,2024-05-02,2024-05-02T10:30:00+09:00,\n`,
  );
  writeFileSync(
    join(dir, "broken-unclosed-quote.csv"),
    `${head}\nORD-000001,a@example.com,120.00,1,NEW,2024-05-01,2024-05-01T09:00:00+09:00,ok\nORD-000002,b@example.com,80.50,2,PAID,2024-05-02,2024-05-02T10:30:00+09:00,"this note never ends\nORD-000003,c@example.com,10.00,1,NEW,2024-05-03,2024-05-03T11:00:00+09:00,\nORD-000004,d@example.com,99.00,3,SHIPPED,2024-05-04,2024-05-04T12:00:00+09:00,\n`,
  );
  writeFileSync(join(dir, "empty.csv"), "");
  writeFileSync(join(dir, "header-only.csv"), `${head}\n`);
}

if (require.main === module) main();
