export {
  OrderReviewState,
  formatReviewState,
  ReviewTable,
  ReviewLine,
} from './OrderReviewState';
export { ReviewingTemplateWizard } from './ReviewingTemplateWizard';
export type { ReviewingTemplateWizardProps } from './ReviewingTemplateWizard';
