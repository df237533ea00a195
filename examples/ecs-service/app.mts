/**
 * An Express service for ECS (ES modules): POST an image (image/png or image/jpeg body), get its labels. One client for
 * the whole process; it follows promotions on its own (parameters re-read after their TTL, credentials refreshed
 * before expiry). Run it with the application role as the task role, in subnets that reach the VPC endpoints.
 */
import express, { type Express, type NextFunction, type Request, type Response } from "express";
import { ImageValidationError, ModelClient, ModelClientError, ModelNotRunningError, NotGrantedError } from "@modelshare/client";

export function createApp(client: ModelClient): Express {
  const app = express();
  // DetectCustomLabels takes at most 4 MB of image bytes; a larger body is refused before it is buffered whole.
  app.post("/labels", express.raw({ type: ["image/png", "image/jpeg"], limit: "4mb" }), async (req: Request, res: Response, next: NextFunction) => {
    try {
      if (!Buffer.isBuffer(req.body) || req.body.length === 0) {
        res.status(415).json({ error: "send the image as the body, with Content-Type image/png or image/jpeg" });
        return;
      }
      const minConfidence = typeof req.query.minConfidence === "string" ? Number(req.query.minConfidence) : undefined;
      const detection = await client.detect(req.body, minConfidence === undefined ? {} : { minConfidence });
      res.json({ labels: detection.labels, modelVersionArn: detection.target.modelVersionArn });
    } catch (error) {
      next(error);
    }
  });
  app.get("/healthz", (_req: Request, res: Response) => void res.json({ ok: true, counters: client.counters() }));
  app.use((error: unknown, _req: Request, res: Response, next: NextFunction) => {
    if (error instanceof ImageValidationError) res.status(400).json({ error: error.message });
    // Not granted / not running: the environment is mid-promotion or misconfigured; retrying later may succeed.
    else if (error instanceof NotGrantedError || error instanceof ModelNotRunningError) res.status(503).json({ error: error.name, hint: error.hint });
    else if (error instanceof ModelClientError) res.status(502).json({ error: error.name, kind: error.kind, hint: error.hint });
    else next(error);
  });
  return app;
}
