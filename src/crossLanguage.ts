import { PrivateRekognitionEndpoint } from "../components/PrivateRekognitionEndpoint";
import { SharedModelRole } from "../components/SharedModelRole";

/** The components the component package offers to other languages (./componentProvider). */
export const CROSS_LANGUAGE_COMPONENTS = [SharedModelRole, PrivateRekognitionEndpoint] as const;
