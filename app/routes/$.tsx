import type { RouteHandle } from "~/root";
import { GeneralErrorBoundary } from "~/components/error-boundary";

export function loader() {
  throw new Response("Not found", { status: 404 });
}

export default function NotFound() {
  return <GeneralErrorBoundary />;
}

export function ErrorBoundary() {
  return <GeneralErrorBoundary />;
}

export const handle: RouteHandle = { titleKey: "errors.notFoundTitle" };
