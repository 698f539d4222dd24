/** Where the project and the test kit's build cache are. */
import * as path from "path";

export const PROJECT_DIR = path.join(__dirname, "..");
/** Go builds (Collector, Prometheus, Thanos, providers) and images, kept between runs. */
export const CACHE_DIR = path.join(PROJECT_DIR, ".cache", "e2e");
