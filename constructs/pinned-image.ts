import { Image } from "@cdktf/provider-docker/lib/image";
import { Construct } from "constructs";

export interface PinnedImageProps {
  /** Image reference with an exact version tag, e.g. prom/prometheus:v3.16.0. */
  readonly name: string;
}

/**
 * A Docker image at an exact version. It stays on the machine after
 * `cdktf destroy`, so a later deploy does not download it again.
 */
export class PinnedImage extends Construct {
  readonly image: Image;

  constructor(scope: Construct, id: string, props: PinnedImageProps) {
    super(scope, id);
    const tag = props.name.split("/").pop()?.split(":")[1];
    if (!tag || tag === "latest") {
      throw new Error(`\`name\` must carry an exact version tag (repo/name:1.2.3, not latest), got: ${props.name}`);
    }
    this.image = new Image(this, "image", { name: props.name, keepLocally: true });
  }

  /** The image id, for a container's `image`. */
  get imageId(): string {
    return this.image.imageId;
  }
}
