import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { localTsdb } from "../backfill/tsdb-access";

// The publish protocol of the backfill, run by the real shell on a folder laid out like a TSDB.
const BLOCK_A = "01JABCDEFGHJKMNPQRSTVWXYZ0";
const BLOCK_B = "01JABCDEFGHJKMNPQRSTVWXYZ1";

function tsdbWith(layout: Record<string, string[]>): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "tsdb-access-"));
  for (const [folder, blocks] of Object.entries(layout)) {
    for (const block of blocks) {
      fs.mkdirSync(path.join(dir, folder, block), { recursive: true });
      fs.writeFileSync(path.join(dir, folder, block, "meta.json"), JSON.stringify({ ulid: block, compaction: { level: 1, sources: [block] }, version: 1 }, null, "\t"));
    }
  }
  return dir;
}

const entries = (dir: string) => fs.readdirSync(dir).sort();

describe("publishing backfilled blocks", () => {
  test("publish moves every staged block into the TSDB and leaves no staging folder", async () => {
    const dir = tsdbWith({ "backfill-staging": [BLOCK_A, BLOCK_B], ".": ["01EXISTINGBLOCK000000000000"] });
    const published = await localTsdb(dir, "promtool").publish();
    expect(published.blocks).toBe(2);
    expect(published.bytes).toBeGreaterThan(0);
    expect(entries(dir)).toEqual(["01EXISTINGBLOCK000000000000", BLOCK_A, BLOCK_B]);
  });

  test("a block promtool wrote is published marked as out-of-order, so Prometheus never drops its head's samples up to the block's end", async () => {
    const dir = tsdbWith({});
    const input = path.join(dir, "..", `${path.basename(dir)}-input.om`);
    fs.writeFileSync(input, 'backfill_probe{run="1"} 1 1700000000.000\n# EOF\n');
    const tsdb = localTsdb(dir, "promtool");
    await tsdb.stage(input, 2);
    expect((await tsdb.publish()).blocks).toBe(1);
    const [block] = entries(dir);
    const meta = JSON.parse(fs.readFileSync(path.join(dir, block, "meta.json"), "utf8"));
    expect(meta.compaction.hints).toEqual(["from-out-of-order"]);
    expect(meta.compaction.sources).toEqual([block]);
  });

  test("a run interrupted while writing blocks leaves nothing published: the next run deletes its staging folder", async () => {
    const dir = tsdbWith({ "backfill-staging": [BLOCK_A] });
    await localTsdb(dir, "promtool").recover();
    expect(entries(dir)).toEqual([]);
  });

  test("a run interrupted while publishing is finished by the next run: every block moved once", async () => {
    // The publish renamed staging to ready and moved BLOCK_A before it stopped.
    const dir = tsdbWith({ "backfill-ready": [BLOCK_B], ".": [BLOCK_A] });
    await localTsdb(dir, "promtool").recover();
    expect(entries(dir)).toEqual([BLOCK_A, BLOCK_B]);
  });
});
